'use strict';
// Every case of tests/vectors/vectors.json through the binding, mirroring core/tests/vectors.rs:
// once with the native sans-IO API (the fetch loop written out), once through the JS layer
// (BackstageAuth with a fetch that serves the case's JWKS documents).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Authenticator, BackstageAuth, KeyRing, KeySet, Verifier } = require('..');

const doc = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/vectors/vectors.json'), 'utf8'));
assert.equal(doc.format, 'backstage-identity-vectors/1');
const cases = doc.cases;

function keySetOptions(c) {
  return { allowHmac: c.key_options?.allow_hmac ?? false };
}

function ringFor(c) {
  const ring = new KeyRing();
  if (c.preload) {
    for (const [source, jwks] of Object.entries(c.preload.jwks)) ring.load(source, JSON.stringify(jwks), c.preload.at);
  }
  return ring;
}

/** The fetch loop every binding implements (core/tests/vectors.rs `drive`). */
function drive(c) {
  const ring = ringFor(c);
  const auth = new Authenticator(c.config, ring);
  const options = { allowLimitedAccess: c.allow_limited_access ?? false, now: c.now };
  const fetches = [];
  for (let round = 0; round < 5; round++) {
    let outcome;
    try {
      outcome = 'authorization' in c
        ? auth.authenticateHeaderSync(c.authorization, options)
        : auth.authenticateSync(c.token, options);
    } catch (error) {
      return { error, fetches };
    }
    if (outcome.ok) return { outcome, fetches };
    assert.equal(outcome.fetch.inFlight, false, `${c.id}: nothing else is fetching`);
    const jwks = c.jwks[outcome.fetch.source];
    if (jwks === undefined) ring.fetchFailed(outcome.fetch.source, c.now);
    else ring.load(outcome.fetch.source, JSON.stringify(jwks), c.now);
    fetches.push(outcome.fetch.source);
  }
  throw new Error(`${c.id}: the refresh protocol did not settle`);
}

function check(c, { error, outcome, fetches }) {
  const expect = c.expect;
  if (expect.fetches !== undefined) assert.deepEqual(fetches, expect.fetches, `${c.id}: fetches`);
  if (expect.ok) {
    assert.equal(error, undefined, `${c.id}: unexpected ${error?.code}`);
    assert.deepEqual(outcome.principal, expect.principal, `${c.id}: principal`);
    assert.equal(outcome.expiresAt, expect.expires_at, `${c.id}: expires_at`);
  } else {
    assert.ok(error, `${c.id}: expected ${expect.code}, got credentials`);
    assert.equal(error.code, expect.code, `${c.id}: code`);
    assert.ok(error instanceof Error);
  }
}

test('the vector file has every kind', () => {
  const kinds = new Set(cases.map(c => c.kind));
  assert.deepEqual([...kinds].sort(), ['authenticate', 'jwks', 'verify']);
  assert.ok(cases.length >= 130, `${cases.length} cases`);
});

for (const c of cases.filter(c => c.kind === 'verify')) {
  test(`verify: ${c.id}`, () => {
    const keys = new KeySet(JSON.stringify(c.jwks), keySetOptions(c));
    const verifier = new Verifier(keys, c.options);
    if (c.expect.ok) {
      assert.equal(verifier.verify(c.token, c.now).payload.sub, c.expect.sub);
    } else {
      assert.throws(() => verifier.verify(c.token, c.now), { code: c.expect.code });
    }
  });
}

for (const c of cases.filter(c => c.kind === 'jwks')) {
  test(`jwks: ${c.id}`, () => {
    if (c.expect.ok) {
      const keys = new KeySet(Buffer.from(JSON.stringify(c.jwks)), keySetOptions(c));
      assert.equal(keys.size, c.expect.keys);
      assert.equal(keys.skipped.length, c.expect.skipped);
    } else {
      assert.throws(() => new KeySet(JSON.stringify(c.jwks), keySetOptions(c)), { code: c.expect.code });
    }
  });
}

/** A discovery and fetch that serve the case's JWKS map and record what was fetched. */
function fakeNetwork(c) {
  const fetched = [];
  const byUrl = new Map();
  const discovery = { getBaseUrl: async pluginId => `http://vectors.invalid/api/${pluginId}` };
  const urlOf = source => {
    if (source === 'auth') return 'http://vectors.invalid/api/auth/.well-known/jwks.json';
    if (source.startsWith('plugin:')) return `http://vectors.invalid/api/${source.slice(7)}/.backstage/auth/v1/jwks.json`;
    return source.slice('external:'.length);
  };
  for (const [source, jwks] of Object.entries(c.jwks ?? {})) byUrl.set(urlOf(source), JSON.stringify(jwks));
  const sources = new Map([...Object.keys(c.jwks ?? {}), 'auth'].map(s => [urlOf(s), s]));
  const fetch = async url => {
    fetched.push(sources.get(url) ?? (url.match(/\/api\/([^/]+)\/\.backstage/) ? `plugin:${url.match(/\/api\/([^/]+)\//)[1]}` : `external:${url}`));
    const body = byUrl.get(url);
    return body === undefined ? new Response('not found', { status: 404 }) : new Response(body, { status: 200 });
  };
  return { fetched, discovery, fetch };
}

for (const c of cases.filter(c => c.kind === 'authenticate')) {
  test(`authenticate (native loop): ${c.id}`, () => check(c, drive(c)));

  test(`authenticate (BackstageAuth): ${c.id}`, async () => {
    const net = fakeNetwork(c);
    const auth = new BackstageAuth({ config: c.config, keyRing: ringFor(c), discovery: net.discovery, fetch: net.fetch });
    const options = { allowLimitedAccess: c.allow_limited_access ?? false, now: c.now };
    let result;
    let error;
    try {
      result = 'authorization' in c
        ? await auth.authenticateHeader(c.authorization, options)
        : await auth.authenticate(c.token, options);
    } catch (e) {
      error = e;
    }
    if (c.expect.fetches !== undefined) assert.deepEqual(net.fetched, c.expect.fetches, `${c.id}: fetches`);
    if (c.expect.ok) {
      assert.equal(error, undefined, `${c.id}: unexpected ${error?.code}`);
      assert.deepEqual(result.principal, c.expect.principal);
      assert.deepEqual(result.expiresAt, c.expect.expires_at === null ? undefined : new Date(c.expect.expires_at * 1000));
      if (c.expect.principal.type === 'user') {
        assert.deepEqual(result.identity, {
          type: 'user',
          userEntityRef: c.expect.principal.userEntityRef,
          ownershipEntityRefs: result.ownershipEntityRefs,
        });
      } else {
        assert.equal(result.identity, undefined);
      }
    } else {
      assert.equal(error?.code, c.expect.code, `${c.id}: code`);
    }
  });
}
