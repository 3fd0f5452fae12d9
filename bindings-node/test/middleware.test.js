'use strict';
// The middleware over real HTTP on 127.0.0.1, with Express 5, Express 4 and plain node:http.

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { createAuthMiddleware, KeyRing } = require('..');
const { signingKey, userToken, jwksServer, seconds, AUTH_JWKS_PATH } = require('./support/keys');

const STATIC_TOKEN = 'c3RhdGljLXRva2VuLWZvci10ZXN0cw';

async function listen(server) {
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

async function close(server) {
  server.closeAllConnections();
  await new Promise(resolve => server.close(resolve));
}

/** The seed's wiring: /auth public, /catalog and /techdocs protected, everything else 401. */
function seedApp(express, middlewareFor) {
  const app = express();
  const api = express.Router();
  api.get('/auth/ping', (req, res) => res.json({ public: true }));
  const echo = plugin => (req, res) => res.json({ plugin, principal: req.principal, identity: req.user.identity ?? null, expiresAt: req.user.expiresAt ?? null });
  api.use('/catalog', middlewareFor('catalog'), echo('catalog'));
  api.use('/techdocs', middlewareFor('techdocs'), echo('techdocs'));
  api.use(middlewareFor('app'), (req, res) => res.status(404).send('Not Found'));
  app.use('/api', api);
  return app;
}

async function setup(t) {
  const key = await signingKey('k1');
  const jwks = await jwksServer({ [AUTH_JWKS_PATH]: { keys: [key.jwk] } });
  t.after(jwks.close);
  const keyRing = new KeyRing();
  const rejections = [];
  const middlewareFor = pluginId =>
    createAuthMiddleware({
      discovery: jwks.discovery,
      keyRing,
      config: {
        pluginId,
        backend: {
          auth: {
            externalAccess: [
              {
                type: 'static',
                options: { token: STATIC_TOKEN, subject: 'ci-bot' },
                accessRestrictions: [{ plugin: 'techdocs' }],
              },
            ],
          },
        },
      },
      onError: error => rejections.push(error.code),
    });
  return { key, jwks, middlewareFor, rejections };
}

async function get(base, path, authorization) {
  const response = await fetch(`${base}${path}`, { headers: authorization === undefined ? {} : { authorization } });
  const text = await response.text();
  return { status: response.status, text, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
}

async function walk(t, base, env) {
  const token = await userToken(env.key, { ent: ['user:default/alice', 'group:default/team'] });
  const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).exp;
  const ok = await get(base, '/api/catalog/entities', `Bearer ${token}`);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, {
    plugin: 'catalog',
    principal: { type: 'user', userEntityRef: 'user:default/alice' },
    identity: { type: 'user', userEntityRef: 'user:default/alice', ownershipEntityRefs: ['user:default/alice', 'group:default/team'] },
    expiresAt: new Date(exp * 1000).toISOString(),
  });
  assert.deepEqual(await get(base, '/api/auth/ping'), { status: 200, text: '{"public":true}', body: { public: true } });
  assert.deepEqual(await get(base, '/api/catalog/entities'), { status: 401, text: 'Unauthorized', body: undefined });
  assert.equal((await get(base, '/api/catalog/entities', `Basic ${token}`)).status, 401);
  assert.equal((await get(base, '/api/catalog/entities', `Bearer ${token.slice(0, -4)}AAAA`)).status, 401);
  const expired = await userToken(env.key, { iat: seconds() - 7200, exp: seconds() - 3600 });
  assert.equal((await get(base, '/api/catalog/entities', `Bearer ${expired}`)).status, 401);
  // The static token is restricted to techdocs: the catalog answers 403 as Backstage does.
  assert.deepEqual(await get(base, '/api/catalog/entities', `Bearer ${STATIC_TOKEN}`), { status: 403, text: 'Forbidden', body: undefined });
  const service = await get(base, '/api/techdocs/x', `Bearer ${STATIC_TOKEN}`);
  assert.equal(service.status, 200);
  assert.deepEqual(service.body, { plugin: 'techdocs', principal: { type: 'service', subject: 'ci-bot', accessRestrictions: {} }, identity: null, expiresAt: null });
  assert.equal((await get(base, '/api/elsewhere', `Bearer ${token}`)).status, 404);
  assert.equal((await get(base, '/api/elsewhere')).status, 401);
  assert.deepEqual(env.rejections.slice(0, 4), ['ERR_TOKEN_MISSING', 'ERR_AUTHORIZATION_HEADER', 'ERR_SIGNATURE_INVALID', 'ERR_TOKEN_EXPIRED']);
  assert.deepEqual(env.rejections.slice(4), ['ERR_ACCESS_RESTRICTED', 'ERR_TOKEN_MISSING']);
  assert.deepEqual(env.jwks.hits, [AUTH_JWKS_PATH]);
}

for (const [name, module] of [['Express 5', 'express'], ['Express 4', 'express4']]) {
  test(`the seed's middleware with ${name} (${require(`${module}/package.json`).version})`, async t => {
    const env = await setup(t);
    const server = http.createServer(seedApp(require(module), env.middlewareFor));
    const base = await listen(server);
    t.after(() => close(server));
    await walk(t, base, env);
  });
}

test('the middleware works on plain node:http too, under many concurrent requests', async t => {
  const env = await setup(t);
  const middleware = env.middlewareFor('catalog');
  const server = http.createServer((req, res) =>
    middleware(req, res, () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.principal));
    }),
  );
  const base = await listen(server);
  t.after(() => close(server));
  const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => userToken(env.key, { sub: `user:default/u${i}` })));
  const answers = await Promise.all(tokens.map(token => get(base, '/', `Bearer ${token}`)));
  assert.deepEqual(
    answers.map(a => [a.status, a.body?.userEntityRef]),
    tokens.map((_, i) => [200, `user:default/u${i}`]),
  );
  assert.equal(env.jwks.hits.length, 1);
});
