'use strict';
// Test helpers: keys and tokens signed with jose (the library Backstage itself signs with), and a
// JWKS server on 127.0.0.1 that counts requests and stops with the test.

const http = require('node:http');
const jose = require('jose');

/** An ES256 key pair with `kid`, and its public JWKS document. */
async function signingKey(kid) {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, jwk };
}

const seconds = () => Math.floor(Date.now() / 1000);

/** A user token as Backstage's TokenFactory shapes it (typ vnd.backstage.user, aud backstage). */
function userToken(key, { sub = 'user:default/alice', ent, iat = seconds(), exp = iat + 3600, kid = key.kid } = {}) {
  const payload = { iss: 'http://127.0.0.1/api/auth', sub, aud: 'backstage', iat, exp };
  if (ent) payload.ent = ent;
  return new jose.SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'vnd.backstage.user' })
    .sign(key.privateKey);
}

/**
 * A JWKS server: `documents` maps a path to a JWKS document (or a function returning one, or a
 * status number to answer with). `delayMs` holds every answer that long (to overlap requests).
 */
async function jwksServer(documents, { delayMs = 0 } = {}) {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url);
    const entry = documents[req.url];
    const answer = () => {
      const doc = typeof entry === 'function' ? entry() : entry;
      if (doc === undefined || typeof doc === 'number') {
        res.writeHead(doc ?? 404, { 'content-type': 'text/plain' });
        res.end('no');
      } else if (doc === 'hang') {
        // Never answers: the client's timeout must end the request.
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(typeof doc === 'string' ? doc : JSON.stringify(doc));
      }
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  return {
    hits,
    baseUrl,
    discovery: { getBaseUrl: async pluginId => `${baseUrl}/api/${pluginId}` },
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const AUTH_JWKS_PATH = '/api/auth/.well-known/jwks.json';

module.exports = { signingKey, userToken, jwksServer, seconds, AUTH_JWKS_PATH, jose };
