'use strict';
// Compatibility with Backstage itself: fresh tokens minted by Backstage's own code (TokenFactory
// of @backstage/plugin-auth-backend, DefaultAuthService of @backstage/backend-defaults), each
// judged by Backstage's DefaultAuthService and by this package, which must reach the same verdict
// (same principal and expiresAt, or a refusal with the same HTTP status; the test also pins
// Backstage's reason, the jose error it logs, next to our core code).

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { BackstageAuth } = require('..');
const { createTokenIssuer, createAuthService, withClock } = require('../demo/backstage');

const STATIC_TOKEN = 'Q29tcGF0LXN0YXRpYy10b2tlbi0wMDAx';
const AUTH_CONFIG = {
  externalAccess: [
    { type: 'static', options: { token: STATIC_TOKEN, subject: 'ci-bot' }, accessRestrictions: [{ plugin: 'techdocs' }] },
  ],
};

/** Serves the auth backend's JWKS and the scaffolder's service keys on 127.0.0.1. */
async function backstageKeys(routes) {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url);
    const route = routes[req.url];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    route().then(
      doc => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc)),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    hits,
    discovery: { getBaseUrl: async id => `${base}/api/${id}`, getExternalBaseUrl: async id => `${base}/api/${id}` },
    close: () => new Promise(resolve => { server.closeAllConnections(); server.close(resolve); }),
  };
}

const plain = value => JSON.parse(JSON.stringify(value));
const statusOfBackstageError = { AuthenticationError: 401, NotAllowedError: 403 };

async function backstageVerdict(discovery, { token, pluginId, allowLimitedAccess }) {
  const logs = [];
  const auth = await createAuthService({ discovery, pluginId, auth: AUTH_CONFIG, logs });
  try {
    const credentials = await auth.authenticate(token, { allowLimitedAccess });
    return { ok: true, principal: plain(credentials.principal), expiresAt: credentials.expiresAt?.toISOString() };
  } catch (error) {
    // Backstage throws a generic error and logs the jose error that caused it, if any.
    const cause = logs.find(l => l.level === 'warn' && l.meta instanceof Error)?.meta;
    return { ok: false, status: statusOfBackstageError[error.name] ?? `unexpected ${error.name}`, reason: cause?.name ?? error.message };
  }
}

async function ourVerdict(discovery, { token, pluginId, allowLimitedAccess }) {
  const auth = new BackstageAuth({ discovery, config: { pluginId, backend: { auth: AUTH_CONFIG } } });
  try {
    const result = await auth.authenticate(token, { allowLimitedAccess });
    return { ok: true, principal: plain(result.principal), expiresAt: result.expiresAt?.toISOString() };
  } catch (error) {
    return { ok: false, status: error.status, code: error.code };
  }
}

test('same verdicts as Backstage on tokens Backstage minted', async t => {
  let serve = {};
  const keys = await backstageKeys({
    '/api/auth/.well-known/jwks.json': () => serve.auth(),
    '/api/scaffolder/.backstage/auth/v1/jwks.json': () => serve.scaffolder(),
  });
  t.after(keys.close);
  const issuer = createTokenIssuer({ issuer: 'http://127.0.0.1/api/auth' });
  const scaffolder = await createAuthService({ discovery: keys.discovery, pluginId: 'scaffolder' });
  serve = { auth: () => issuer.jwks(), scaffolder: () => scaffolder.listPublicServiceKeys() };

  const user = (await issuer.issue('user:default/alice')).token;
  const earlier = createTokenIssuer({ issuer: 'http://127.0.0.1/api/auth', keyStore: issuer.keyStore });
  const expired = (await withClock(Date.now() - 2 * 3600 * 1000, () => earlier.issue('user:default/alice'))).token;
  const stranger = (await createTokenIssuer({ issuer: 'http://127.0.0.1/api/auth' }).issue('user:default/mallory')).token;
  const [h, p, s] = user.split('.');
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), sub: 'user:default/admin' })).toString('base64url')}.${s}`;
  const credentials = await scaffolder.authenticate(user);
  const limited = (await scaffolder.getLimitedUserToken(credentials)).token;
  const own = await scaffolder.getOwnServiceCredentials();
  const toCatalog = (await scaffolder.getPluginRequestToken({ onBehalfOf: own, targetPluginId: 'catalog' })).token;
  const toTechdocs = (await scaffolder.getPluginRequestToken({ onBehalfOf: own, targetPluginId: 'techdocs' })).token;
  const obo = (await scaffolder.getPluginRequestToken({ onBehalfOf: credentials, targetPluginId: 'catalog' })).token;

  const cases = [
    { name: 'user token', token: user, expect: 'ok' },
    { name: 'expired user token', token: expired, expect: 401, code: 'ERR_TOKEN_EXPIRED', reason: 'JWTExpired' },
    { name: 'tampered user token', token: tampered, expect: 401, code: 'ERR_SIGNATURE_INVALID', reason: 'JWSSignatureVerificationFailed' },
    { name: 'unknown kid', token: stranger, expect: 401, code: 'ERR_JWKS_NO_MATCHING_KEY', reason: 'JWKSNoMatchingKey' },
    { name: 'limited token without limited access', token: limited, expect: 401, code: 'ERR_LIMITED_TOKEN_NOT_ALLOWED', reason: 'Illegal limited user token' },
    { name: 'limited token with limited access', token: limited, allowLimitedAccess: true, expect: 'ok' },
    { name: 'plugin token', token: toCatalog, expect: 'ok' },
    { name: 'plugin token for another plugin', token: toTechdocs, expect: 401, code: 'ERR_AUDIENCE_MISMATCH', reason: 'JWTClaimValidationFailed' },
    { name: 'plugin token on behalf of a user', token: obo, expect: 'ok' },
    { name: 'static token restricted to another plugin', token: STATIC_TOKEN, expect: 403, code: 'ERR_ACCESS_RESTRICTED', reason: "This token's access is restricted to plugin(s) 'techdocs'" },
    { name: 'static token for its plugin', token: STATIC_TOKEN, pluginId: 'techdocs', expect: 'ok' },
    { name: 'garbage', token: 'not-a-token', expect: 401, code: 'ERR_JWS_SEGMENTS', reason: 'Illegal token' },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const input = { token: c.token, pluginId: c.pluginId ?? 'catalog', allowLimitedAccess: c.allowLimitedAccess ?? false };
      const theirs = await backstageVerdict(keys.discovery, input);
      const ours = await ourVerdict(keys.discovery, input);
      if (c.expect === 'ok') {
        assert.equal(theirs.ok, true, `${c.name}: Backstage accepts`);
        assert.deepEqual(ours, theirs, `${c.name}: same principal and expiresAt`);
      } else {
        assert.deepEqual(theirs, { ok: false, status: c.expect, reason: c.reason }, `${c.name}: Backstage refuses`);
        assert.deepEqual(ours, { ok: false, status: c.expect, code: c.code }, `${c.name}: we refuse alike`);
      }
    });
  }
  // The accepted principals are the ones Backstage documents.
  const obos = await ourVerdict(keys.discovery, { token: obo, pluginId: 'catalog', allowLimitedAccess: false });
  assert.deepEqual(obos.principal, { type: 'user', userEntityRef: 'user:default/alice', actor: { type: 'service', subject: 'plugin:scaffolder' } });
  const service = await ourVerdict(keys.discovery, { token: toCatalog, pluginId: 'catalog', allowLimitedAccess: false });
  assert.deepEqual(service, { ok: true, principal: { type: 'service', subject: 'plugin:scaffolder' }, expiresAt: undefined });
});
