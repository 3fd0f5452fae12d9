'use strict';
// Errors cross as JS Errors with the core's code, family, status and message; bad input from JS
// throws ERR_INVALID_ARGUMENT (or the core's own refusal) and never crashes the process.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const bi = require('..');
const { Authenticator, KeyRing, KeySet, Verifier, verify, getBearerToken, sourceUrl, errorCodes } = bi;

const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/vectors/vectors.json'), 'utf8')).cases;
const byId = id => vectors.find(c => c.id === id);
const user = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/vectors/backstage/001-user-es256-default.json'), 'utf8'));
const jwksText = JSON.stringify(user.jwks.auth);
const exp = JSON.parse(Buffer.from(user.token.split('.')[1], 'base64url')).exp;

function loaded(at = user.now) {
  const auth = new Authenticator({ pluginId: 'catalog' });
  auth.keyRing.load('auth', jwksText, at);
  return auth;
}

test('a core error is a JS Error with code, name, family, status, number and the core message', () => {
  const auth = loaded(exp);
  let error;
  try {
    auth.authenticateSync(user.token, { now: exp });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'ERR_TOKEN_EXPIRED');
  assert.equal(error.name, 'ClaimsError');
  assert.equal(error.family, 'claims');
  assert.equal(error.status, 401);
  assert.equal(error.number, 402);
  assert.equal(error.message, 'the token has expired ("exp" is not after now)');
  assert.equal(String(error), 'ClaimsError: the token has expired ("exp" is not after now)');
  assert.ok(!error.message.includes(user.token.split('.')[2]));
});

test('a token restricted to another plugin is a 403 NotAllowedError', () => {
  const c = byId('backstage/035-static-token-restricted-other-plugin');
  const auth = new Authenticator(c.config);
  assert.throws(() => auth.authenticateSync(c.token, { now: c.now }), {
    code: 'ERR_ACCESS_RESTRICTED',
    name: 'NotAllowedError',
    family: 'not_allowed',
    status: 403,
  });
});

test('a limited token is refused unless limited access is allowed, per call or by config', () => {
  const c = byId('backstage/022-limited-user-not-allowed');
  const ring = new KeyRing();
  ring.load('auth', JSON.stringify(c.jwks.auth), c.now);
  const strict = new Authenticator({ pluginId: 'catalog' }, ring);
  assert.throws(() => strict.authenticateSync(c.token, { now: c.now }), { code: 'ERR_LIMITED_TOKEN_NOT_ALLOWED', name: 'AuthenticationError' });
  assert.equal(strict.authenticateSync(c.token, { now: c.now, allowLimitedAccess: true }).kind, 'limited-user');
  const lenient = new Authenticator({ pluginId: 'catalog', allowLimitedAccess: true }, ring);
  assert.equal(lenient.authenticateSync(c.token, { now: c.now }).kind, 'limited-user');
  assert.throws(() => lenient.authenticateSync(c.token, { now: c.now, allowLimitedAccess: false }), { code: 'ERR_LIMITED_TOKEN_NOT_ALLOWED' });
});

test('authenticateSync answers with the fetch to do, and credentials once keys are loaded', () => {
  const auth = new Authenticator(JSON.stringify({ pluginId: 'catalog' }));
  assert.equal(auth.pluginId, 'catalog');
  assert.deepEqual(auth.authenticateSync(user.token, { now: user.now }), {
    ok: false,
    fetch: { source: 'auth', reason: 'not_loaded', inFlight: false, pluginId: 'auth' },
  });
  // A second caller while that fetch is pending is told to wait for it.
  assert.equal(auth.authenticateSync(user.token, { now: user.now }).fetch.inFlight, true);
  assert.deepEqual(auth.keyRing.load('auth', Buffer.from(jwksText), user.now), { keys: 1, skipped: [] });
  assert.deepEqual(auth.authenticateSync(user.token, { now: user.now }), {
    ok: true,
    principal: { type: 'user', userEntityRef: 'user:default/alice' },
    expiresAt: exp,
    kind: 'user',
    ownershipEntityRefs: [],
  });
  assert.deepEqual(auth.keyRing.sources(), ['auth']);
  assert.equal(auth.keyRing.loadedAt('auth'), user.now);
  assert.equal(auth.keyRing.keyCount('auth'), 1);
  assert.equal(auth.keyRing.loadedAt('plugin:catalog'), null);
  auth.keyRing.remove('auth');
  assert.deepEqual(auth.keyRing.sources(), []);
});

test('an external source names its URL', () => {
  const c = byId('backstage/037-external-jwks-token');
  const auth = new Authenticator(c.config);
  const { fetch } = auth.authenticateSync(c.token, { now: c.now });
  const url = c.config.backend.auth.externalAccess[0].options.url;
  assert.deepEqual(fetch, { source: `external:${url}`, reason: 'not_loaded', inFlight: false, url });
});

test('wrong argument types are ERR_INVALID_ARGUMENT, never a crash', () => {
  const auth = loaded();
  const invalid = { code: 'ERR_INVALID_ARGUMENT', name: 'ConfigError', status: 500 };
  for (const bad of [undefined, null, 42, {}, [], Symbol('t'), () => 1, 10n, Buffer.from('x')]) {
    assert.throws(() => auth.authenticateSync(bad), invalid);
    assert.throws(() => verify(bad, jwksText), invalid);
  }
  for (const bad of [42, 'x', true]) assert.throws(() => auth.authenticateSync(user.token, bad), invalid);
  for (const bad of [{}, true, '5']) assert.throws(() => auth.authenticateSync(user.token, { now: bad }), invalid);
  for (const now of [-1, NaN, Infinity, 2 ** 60, '1796313979']) {
    assert.throws(() => auth.authenticateSync(user.token, { now }), invalid);
    assert.throws(() => auth.keyRing.load('auth', jwksText, now), invalid);
  }
  assert.throws(() => auth.authenticateSync(user.token, { allowLimitedAccess: 'yes' }), invalid);
  assert.throws(() => auth.authenticateHeaderSync(42), invalid);
  assert.throws(() => new KeyRing({ cooldown: 1.5 }), invalid);
  assert.throws(() => new KeyRing({ maxAge: '600' }), invalid);
  assert.throws(() => new KeyRing('policy'), invalid);
  assert.throws(() => auth.keyRing.load('somewhere', jwksText), { ...invalid, message: 'invalid argument: source must be "auth", "plugin:<id>" or "external:<url>"' });
  assert.throws(() => auth.keyRing.load('auth', 42), invalid);
  assert.throws(() => auth.keyRing.fetchFailed(null), invalid);
  assert.throws(() => new Authenticator(42), invalid);
  assert.throws(() => new Authenticator({ pluginId: 'x', backend: { f: () => 1, big: 10n } }), invalid);
  assert.throws(() => new Authenticator({ pluginId: 'x' }, {}), { ...invalid, message: 'invalid argument: keyRing must be a KeyRing' });
  assert.throws(() => new Authenticator({ pluginId: 'x' }, new KeySet(jwksText)), invalid);
  assert.throws(() => new KeySet(jwksText, { allowHmac: 1 }), invalid);
  assert.throws(() => new Verifier(42), invalid);
  assert.throws(() => new Verifier(new KeyRing()), invalid);
  assert.throws(() => sourceUrl('auth', 5), invalid);
});

test('hostile objects (cycles, deep nesting, BigInt, throwing getters, proxies) are refused, not a crash', () => {
  const invalid = { code: 'ERR_INVALID_ARGUMENT' };
  const cyclic = { pluginId: 'catalog' };
  cyclic.self = cyclic;
  let deep = {};
  for (let i = 0; i < 100000; i++) deep = { a: deep };
  assert.throws(() => new Authenticator(cyclic), { ...invalid, message: 'invalid argument: config cannot be serialized as JSON' });
  assert.throws(() => new Authenticator({ pluginId: 'catalog', backend: deep }), invalid);
  assert.throws(() => new Authenticator({ pluginId: 'catalog', n: 1n }), invalid);
  assert.throws(() => new Authenticator({ get pluginId() { throw new Error('getter'); } }), invalid);
  assert.throws(() => verify(user.token, jwksText, cyclic), invalid);
  const auth = loaded();
  const trap = new Proxy({}, { get() { throw new Error('trap'); } });
  assert.throws(() => auth.authenticateSync(user.token, trap), { ...invalid, message: 'invalid argument: reading "allowLimitedAccess" threw' });
  assert.throws(() => new KeyRing({ get cooldown() { throw new Error('getter'); } }), invalid);
  // toJSON is honoured, as JSON.stringify does.
  assert.equal(new Authenticator({ toJSON: () => ({ pluginId: 'scaffolder' }) }).pluginId, 'scaffolder');
});

test('invalid configuration and options are the core refusals', () => {
  assert.throws(() => new Authenticator({}), { code: 'ERR_INVALID_CONFIG', message: 'invalid configuration: "pluginId" (a string) is required' });
  assert.throws(() => new Authenticator('{"pluginId":"a","pluginId":"b"}'), { code: 'ERR_INVALID_CONFIG' });
  assert.throws(() => new Authenticator({ pluginId: 'no spaces' }), { code: 'ERR_INVALID_CONFIG' });
  assert.throws(() => new Verifier(jwksText, { leway: 5 }), { code: 'ERR_INVALID_OPTIONS', message: 'invalid options: unknown option "leway"' });
  assert.throws(() => verify(user.token, jwksText, '{"algorithms":[]}'), { code: 'ERR_INVALID_OPTIONS' });
});

test('huge strings and non-UTF-8 buffers are refused by the core', () => {
  const auth = loaded();
  const huge = 'a'.repeat(8 * 1024 * 1024);
  assert.throws(() => auth.authenticateSync(huge), { code: 'ERR_TOKEN_TOO_LARGE', message: 'the token is longer than 65536 characters' });
  assert.throws(() => auth.authenticateHeaderSync(`Bearer ${huge}`), { code: 'ERR_TOKEN_TOO_LARGE' });
  assert.throws(() => verify(huge, jwksText), { code: 'ERR_TOKEN_TOO_LARGE' });
  assert.throws(() => new KeySet(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x5b, 0x5d, 0x7d])), { code: 'ERR_JWKS_INVALID' });
  assert.throws(() => new KeySet(Buffer.alloc(bi.MAX_JWKS_BYTES + 1, 0x20)), { code: 'ERR_JWKS_INVALID', message: 'the JWKS document is invalid: the document is larger than 1 MiB' });
  // A lone surrogate cannot be UTF-8: it arrives as U+FFFD and the token is refused.
  assert.throws(() => auth.authenticateSync(`${user.token}\ud800`), { code: 'ERR_JWS_BASE64' });
  // A JWKS that fails to load keeps the previous keys.
  assert.throws(() => auth.keyRing.load('auth', '{"keys":"no"}', user.now), { code: 'ERR_JWKS_INVALID' });
  assert.equal(auth.authenticateSync(user.token, { now: user.now }).ok, true);
});

test('verify and Verifier return the header, payload and algorithm', () => {
  const expected = {
    header: { alg: 'ES256', kid: user.jwks.auth.keys[0].kid, typ: 'vnd.backstage.user' },
    payload: JSON.parse(Buffer.from(user.token.split('.')[1], 'base64url')),
    algorithm: 'ES256',
  };
  assert.deepEqual(verify(user.token, jwksText, { audiences: ['backstage'] }, user.now), expected);
  assert.deepEqual(new Verifier(new KeySet(jwksText), '{"types":["vnd.backstage.user"]}').verify(user.token, user.now), expected);
  assert.throws(() => verify(user.token, jwksText, { audiences: ['catalog'] }, user.now), { code: 'ERR_AUDIENCE_MISMATCH' });
  assert.throws(() => verify(user.token, jwksText, undefined, exp), { code: 'ERR_TOKEN_EXPIRED' });
});

test('a "__proto__" claim is an own property of the payload, as JSON.parse makes it', async () => {
  const crypto = require('node:crypto');
  const { signingKey } = require('./support/keys');
  const key = await signingKey('proto');
  const privateKey = key.privateKey instanceof crypto.KeyObject ? key.privateKey : crypto.KeyObject.from(key.privateKey);
  const jwks = JSON.stringify({ keys: [key.jwk] });
  const now = Math.floor(Date.now() / 1000);
  const sign = payloadJson => {
    const input = `${Buffer.from('{"alg":"ES256","kid":"proto"}').toString('base64url')}.${Buffer.from(payloadJson).toString('base64url')}`;
    return `${input}.${crypto.sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  const extra = Array.from({ length: 70 }, (_, i) => `"m${i}":${i}`).join(',');
  for (const json of [
    `{"sub":"a","exp":${now + 60},"__proto__":{"polluted":true}}`,
    `{"sub":"a","exp":${now + 60},${extra},"__proto__":{"polluted":true}}`, // the large-object path
  ]) {
    const { payload } = verify(sign(json), jwks, undefined, now);
    assert.equal(Object.getPrototypeOf(payload), Object.prototype);
    assert.equal(payload.polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(payload, '__proto__').value, { polluted: true });
    assert.equal({}.polluted, undefined);
  }
  // Nested in an array, too.
  const { payload } = verify(sign(`{"sub":"a","exp":${now + 60},"x":[{"__proto__":{"polluted":true}}]}`), jwks, undefined, now);
  assert.equal(Object.getPrototypeOf(payload.x[0]), Object.prototype);
  assert.equal(payload.x[0].polluted, undefined);
});

test('made-up plugin ids share one fetch budget (policy.newPluginSourceLimit)', () => {
  const ring = new KeyRing({ newPluginSourceLimit: 1 });
  const auth = new Authenticator({ pluginId: 'catalog' }, ring);
  const b64 = text => Buffer.from(text).toString('base64url');
  const token = sub =>
    `${b64('{"typ":"vnd.backstage.plugin","alg":"ES256"}')}.${b64(JSON.stringify({ sub, aud: 'catalog', iat: user.now, exp: user.now + 60 }))}.${'A'.repeat(86)}`;
  const first = auth.authenticateSync(token('evil1'), { now: user.now });
  assert.equal(first.ok, false);
  assert.equal(first.fetch.source, 'plugin:evil1');
  ring.fetchFailed('plugin:evil1', user.now);
  assert.throws(() => auth.authenticateSync(token('evil2'), { now: user.now }), { code: 'ERR_KEYS_UNAVAILABLE' });
  assert.throws(() => new KeyRing({ newPluginSourceLimit: 'x' }), { code: 'ERR_INVALID_ARGUMENT' });
});

test('getBearerToken follows Backstage exactly', () => {
  assert.equal(getBearerToken('Bearer abc'), 'abc');
  assert.equal(getBearerToken('bEaReR    abc'), 'abc');
  assert.equal(getBearerToken('Bearer\tabc'), undefined);
  assert.equal(getBearerToken('Bearer abc '), undefined);
  assert.equal(getBearerToken('Bearer a\u00a0b'), undefined);
  assert.equal(getBearerToken('Bearerabc'), undefined);
  assert.equal(getBearerToken('Basic abc'), undefined);
  assert.equal(getBearerToken(undefined), undefined);
  assert.equal(getBearerToken(['Bearer abc']), undefined);
  assert.equal(getBearerToken(42), undefined);
});

test('sourceUrl and errorCodes come from the core', () => {
  assert.equal(sourceUrl('plugin:catalog', 'http://h/api/catalog/'), 'http://h/api/catalog/.backstage/auth/v1/jwks.json');
  assert.equal(sourceUrl('auth', 'http://h/api/auth'), 'http://h/api/auth/.well-known/jwks.json');
  assert.equal(sourceUrl('external:https://idp/jwks', 'ignored'), 'https://idp/jwks');
  const codes = errorCodes();
  assert.equal(codes.length, 40);
  assert.equal(new Set(codes.map(c => c.code)).size, 40);
  assert.deepEqual(codes.find(c => c.code === 'ERR_ACCESS_RESTRICTED'), { code: 'ERR_ACCESS_RESTRICTED', number: 504, family: 'not_allowed', name: 'NotAllowedError' });
  assert.equal(bi.MAX_JWKS_BYTES, 1048576);
});
