'use strict';
// The JS layer obeys the core's refresh advice: one fetch per source in flight, floods of
// unknown-kid tokens cause no more fetches than the policy allows, failures cool down, stale
// documents are refreshed, fetches time out.

const test = require('node:test');
const assert = require('node:assert/strict');
const { BackstageAuth, KeyRing } = require('..');
const { signingKey, userToken, jwksServer, seconds, AUTH_JWKS_PATH } = require('./support/keys');

test('concurrent requests share one fetch', async t => {
  const key = await signingKey('k1');
  const server = await jwksServer({ [AUTH_JWKS_PATH]: { keys: [key.jwk] } }, { delayMs: 50 });
  t.after(server.close);
  const auth = new BackstageAuth({ discovery: server.discovery, pluginId: 'catalog' });
  const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => userToken(key, { sub: `user:default/u${i}` })));
  const results = await Promise.all(tokens.map(token => auth.authenticate(token)));
  assert.deepEqual(
    results.map(r => r.principal.userEntityRef),
    tokens.map((_, i) => `user:default/u${i}`),
  );
  assert.deepEqual(server.hits, [AUTH_JWKS_PATH]);
  assert.deepEqual(auth.stats, { fetches: 1, failures: 0 });
});

test('two BackstageAuth on one KeyRing share the fetch too', async t => {
  const key = await signingKey('k1');
  const server = await jwksServer({ [AUTH_JWKS_PATH]: { keys: [key.jwk] } }, { delayMs: 50 });
  t.after(server.close);
  const keyRing = new KeyRing();
  const catalog = new BackstageAuth({ discovery: server.discovery, pluginId: 'catalog', keyRing });
  const techdocs = new BackstageAuth({ discovery: server.discovery, pluginId: 'techdocs', keyRing });
  const token = await userToken(key);
  const results = await Promise.all([catalog.authenticate(token), techdocs.authenticate(token), catalog.authenticate(token)]);
  assert.equal(results.every(r => r.principal.userEntityRef === 'user:default/alice'), true);
  assert.equal(server.hits.length, 1);
});

test('a flood of unknown-kid tokens causes no more fetches than the policy allows', async t => {
  const known = await signingKey('known');
  const rogue = await signingKey('rogue');
  const server = await jwksServer({ [AUTH_JWKS_PATH]: { keys: [known.jwk] } });
  t.after(server.close);
  const auth = new BackstageAuth({ discovery: server.discovery, pluginId: 'catalog' });
  const t0 = seconds();
  assert.equal((await auth.authenticate(await userToken(known), { now: t0 })).principal.userEntityRef, 'user:default/alice');
  assert.equal(server.hits.length, 1);
  // 200 concurrent tokens naming kids the JWKS lacks, within the cooldown: no fetch at all.
  const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => userToken(rogue, { kid: `rogue-${i}` })));
  const verdicts = await Promise.allSettled(flood.map(token => auth.authenticate(token, { now: t0 + 1 })));
  assert.deepEqual(new Set(verdicts.map(v => v.reason?.code)), new Set(['ERR_JWKS_NO_MATCHING_KEY']));
  assert.equal(server.hits.length, 1);
  // One unknown-kid token per second for a minute: a forced reload only once the 30 s cooldown
  // after the last load has passed (at t0 + 30), then none until t0 + 60.
  for (let i = 0; i < 60; i++) {
    await assert.rejects(auth.authenticate(flood[i], { now: t0 + i }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
  }
  assert.equal(server.hits.length, 2);
  assert.deepEqual(auth.stats, { fetches: 2, failures: 0 });
});

test('a rotated key is picked up with one refetch once the cooldown has passed', async t => {
  const old = await signingKey('old');
  const fresh = await signingKey('new');
  let keys = [old.jwk];
  const server = await jwksServer({ [AUTH_JWKS_PATH]: () => ({ keys }) });
  t.after(server.close);
  const auth = new BackstageAuth({ discovery: server.discovery, pluginId: 'catalog' });
  const t0 = seconds();
  await auth.authenticate(await userToken(old), { now: t0 });
  keys = [old.jwk, fresh.jwk];
  const token = await userToken(fresh, { sub: 'user:default/bob' });
  // Within the cooldown the new kid is refused without a fetch...
  await assert.rejects(auth.authenticate(token, { now: t0 + 29 }), { code: 'ERR_JWKS_NO_MATCHING_KEY', message: /reload of the key set is not allowed yet/ });
  assert.equal(server.hits.length, 1);
  // ...after it, one refetch and the token is accepted; the next one needs no fetch.
  assert.equal((await auth.authenticate(token, { now: t0 + 30 })).principal.userEntityRef, 'user:default/bob');
  assert.equal((await auth.authenticate(token, { now: t0 + 31 })).principal.userEntityRef, 'user:default/bob');
  assert.equal(server.hits.length, 2);
});

test('a failed fetch cools down, and stale keys keep serving while a refresh fails', async t => {
  const key = await signingKey('k1');
  let status = 500;
  const server = await jwksServer({ [AUTH_JWKS_PATH]: () => (status === 200 ? { keys: [key.jwk] } : status) });
  t.after(server.close);
  const warnings = [];
  const auth = new BackstageAuth({ discovery: server.discovery, pluginId: 'catalog', logger: { warn: m => warnings.push(m) } });
  const t0 = seconds();
  const token = await userToken(key, { iat: t0, exp: t0 + 3600 });
  await assert.rejects(auth.authenticate(token, { now: t0 }), {
    code: 'ERR_KEYS_UNAVAILABLE',
    message: 'the keys of auth are not loaded and cannot be fetched now',
  });
  await assert.rejects(auth.authenticate(token, { now: t0 + 29 }), { code: 'ERR_KEYS_UNAVAILABLE' });
  assert.equal(server.hits.length, 1);
  assert.match(warnings[0], /fetching the keys of auth failed: GET http:\/\/127\.0\.0\.1:\d+\/api\/auth\/\.well-known\/jwks\.json answered 500/);
  status = 200;
  assert.equal((await auth.authenticate(token, { now: t0 + 30 })).kind, 'user');
  assert.equal(server.hits.length, 2);
  // 600 s later the document is stale: one refresh is tried; it fails, the old keys still work.
  status = 503;
  assert.equal((await auth.authenticate(token, { now: t0 + 630 })).kind, 'user');
  assert.equal((await auth.authenticate(token, { now: t0 + 640 })).kind, 'user');
  assert.equal(server.hits.length, 3);
  assert.deepEqual(auth.stats, { fetches: 3, failures: 2 });
});

test('a hanging JWKS server is cut off by the timeout', async t => {
  const key = await signingKey('k1');
  const server = await jwksServer({ [AUTH_JWKS_PATH]: 'hang' });
  t.after(server.close);
  const auth = new BackstageAuth({ discovery: server.discovery, pluginId: 'catalog', fetchTimeoutMs: 200 });
  await assert.rejects(auth.authenticate(await userToken(key)), { code: 'ERR_KEYS_UNAVAILABLE' });
  assert.deepEqual(auth.stats, { fetches: 1, failures: 1 });
});

test('a JWKS document that is not JSON counts as a failure and is reported by the core', async t => {
  const key = await signingKey('k1');
  const server = await jwksServer({ [AUTH_JWKS_PATH]: 'not json' });
  t.after(server.close);
  const warnings = [];
  const auth = new BackstageAuth({ discovery: server.discovery, pluginId: 'catalog', logger: { warn: m => warnings.push(m) } });
  await assert.rejects(auth.authenticate(await userToken(key)), { code: 'ERR_KEYS_UNAVAILABLE' });
  assert.deepEqual(warnings, ['backstage-identity: fetching the keys of auth failed: the JWKS document is invalid: not JSON']);
});

test('without discovery a fetch fails cleanly', async () => {
  const key = await signingKey('k1');
  const auth = new BackstageAuth({ pluginId: 'catalog' });
  await assert.rejects(auth.authenticate(await userToken(key)), { code: 'ERR_KEYS_UNAVAILABLE' });
  assert.deepEqual(auth.stats, { fetches: 0, failures: 1 });
});
