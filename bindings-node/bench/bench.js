'use strict';
// One run, one token set, side by side: this package's synchronous Authenticator and Verifier,
// its Promise-returning authenticate, jose's jwtVerify with a local JWKS (what Backstage uses),
// and fast-jwt's synchronous verifier. Prints a Markdown table with ratios, and two references
// (not verifiers): the bare signature check with node:crypto, and authenticateSync stopping
// before the signature.
//
//   node bench/bench.js [--tokens 1000] [--ops 2000] [--rounds 25]
//
// Rounds are short and interleaved (each round runs every verifier once, starting with a
// different one each time) so that load from other processes hits all verifiers alike; the
// table reports the median round of each, and for ratios the median of the per-round ratios.

const crypto = require('node:crypto');
const jose = require('jose');
const { createVerifier } = require('fast-jwt');
const { Authenticator, BackstageAuth, KeyRing, Verifier } = require('..');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const TOKENS = arg('tokens', 1000);
const OPS = arg('ops', 2000);
const ROUNDS = arg('rounds', 25);
const REF_BARE = 'reference: bare ES256 signature check, node:crypto verify (OpenSSL), inputs decoded beforehand';
const REF_NO_SIG = 'reference: authenticateSync stopping before the signature (no keys loaded)';

async function main() {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  const jwks = { keys: [jwk] };
  const pem = await jose.exportSPKI(publicKey);
  const now = Math.floor(Date.now() / 1000);
  const tokens = [];
  for (let i = 0; i < TOKENS; i++) {
    tokens.push(
      await new jose.SignJWT({ iss: 'http://127.0.0.1/api/auth', sub: `user:default/user-${i}`, aud: 'backstage', iat: now, exp: now + 3600 })
        .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'vnd.backstage.user' })
        .sign(privateKey),
    );
  }

  // This package: the Backstage authenticator (keys loaded), generic verify, and the async path.
  const ring = new KeyRing();
  ring.load('auth', JSON.stringify(jwks));
  const authenticator = new Authenticator({ pluginId: 'catalog', algorithms: ['ES256'] }, ring);
  const verifier = new Verifier(JSON.stringify(jwks), {
    algorithms: ['ES256'],
    types: ['vnd.backstage.user'],
    required_claims: ['iat', 'exp', 'sub'],
  });
  const backstageAuth = new BackstageAuth({ pluginId: 'catalog', keyRing: ring });
  // jose as Backstage's UserTokenHandler uses it, with a local JWKS.
  const localJwks = jose.createLocalJWKSet(jwks);
  const joseOptions = { algorithms: ['ES256'], typ: 'vnd.backstage.user', requiredClaims: ['iat', 'exp', 'sub'] };
  // fast-jwt's synchronous verifier (no cache: every token is checked).
  const fastVerify = createVerifier({ key: pem, algorithms: ['ES256'], cache: false });

  // References, not verifiers. The bare signature check as Node does it (OpenSSL, which jose and
  // fast-jwt call): the signing input and the raw signature of each token decoded once, outside
  // the timed loop. And this package's authenticateSync on a ring with no keys: it parses the
  // token and answers with the fetch to do, stopping before the signature (what the binding and
  // the core cost without the signature check).
  const publicKeyObject = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const signingInputs = new Map(tokens.map(t => [t, Buffer.from(t.slice(0, t.lastIndexOf('.')))]));
  const signatures = new Map(tokens.map(t => [t, Buffer.from(t.slice(t.lastIndexOf('.') + 1), 'base64url')]));
  const bareVerify = t =>
    crypto.verify('sha256', signingInputs.get(t), { key: publicKeyObject, dsaEncoding: 'ieee-p1363' }, signatures.get(t));
  const noKeys = new Authenticator({ pluginId: 'catalog', algorithms: ['ES256'] }, new KeyRing());

  const candidates = [
    { name: 'backstage-identity Authenticator.authenticateSync', sync: t => authenticator.authenticateSync(t).principal.userEntityRef },
    { name: 'backstage-identity Verifier.verify (sync)', sync: t => verifier.verify(t).payload.sub },
    { name: 'backstage-identity BackstageAuth.authenticate (Promise)', async: async t => (await backstageAuth.authenticate(t)).principal.userEntityRef },
    { name: 'jose 5 jwtVerify + createLocalJWKSet', async: async t => (await jose.jwtVerify(t, localJwks, joseOptions)).payload.sub },
    { name: 'fast-jwt createVerifier (sync)', sync: t => fastVerify(t).sub },
    { name: REF_BARE, reference: true, sync: t => bareVerify(t) && 'user:default/user-7' },
    { name: REF_NO_SIG, reference: true, sync: t => noKeys.authenticateSync(t).ok === false && 'user:default/user-7' },
  ];

  // Every verifier must accept every token and return its subject.
  for (const c of candidates) {
    const sub = c.sync ? c.sync(tokens[7]) : await c.async(tokens[7]);
    if (sub !== 'user:default/user-7') throw new Error(`${c.name} returned ${sub}`);
  }

  const samples = new Map(candidates.map(c => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = candidates.map((_, i) => candidates[(i + round) % candidates.length]);
    for (const c of order) {
      const start = process.hrtime.bigint();
      if (c.sync) {
        for (let i = 0; i < OPS; i++) c.sync(tokens[i % TOKENS]);
      } else {
        for (let i = 0; i < OPS; i++) await c.async(tokens[i % TOKENS]);
      }
      const ns = Number(process.hrtime.bigint() - start);
      samples.get(c.name).push((OPS * 1e9) / ns);
    }
  }
  const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rate = new Map(candidates.map(c => [c.name, median(samples.get(c.name))]));
  // Ratios: the median over rounds of the ratio within each round (the verifiers of one round
  // run back to back, so a load change between rounds cancels out).
  const JOSE = 'jose 5 jwtVerify + createLocalJWKSet';
  const FAST = 'fast-jwt createVerifier (sync)';
  const ratio = (name, base) => median(samples.get(name).map((r, i) => r / samples.get(base)[i]));

  console.log(`ES256, ${TOKENS} distinct Backstage user tokens, ${OPS} verifications per round, median of ${ROUNDS} rounds`);
  console.log(`node ${process.version}, jose ${require('jose/package.json').version}, fast-jwt ${require('fast-jwt/package.json').version}\n`);
  console.log('| verifier | ops/s | µs/op | vs jose | vs fast-jwt |');
  console.log('|---|---:|---:|---:|---:|');
  for (const c of candidates) {
    const r = rate.get(c.name);
    const ratios = c.reference ? '| | |' : `| ${ratio(c.name, JOSE).toFixed(2)}x | ${ratio(c.name, FAST).toFixed(2)}x |`;
    console.log(`| ${c.name} | ${Math.round(r)} | ${(1e6 / r).toFixed(1)} ${ratios}`);
  }
  const spread = name => {
    const xs = samples.get(name).map(r => 1e6 / r).sort((a, b) => a - b);
    return `${xs[Math.floor(xs.length / 4)].toFixed(1)}-${xs[Math.floor((3 * xs.length) / 4)].toFixed(1)} µs`;
  };
  const sync = 'backstage-identity Authenticator.authenticateSync';
  console.log(
    `\nInterquartile µs/op: authenticateSync ${spread(sync)}, jose ${spread(JOSE)}, fast-jwt ${spread(FAST)}; ` +
      `authenticateSync vs the bare OpenSSL check: ${ratio(sync, REF_BARE).toFixed(2)}x`,
  );
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
