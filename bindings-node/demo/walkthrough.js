'use strict';
// The walkthrough: starts the seed-like backend (demo/app.js) on 127.0.0.1, then a client shows
// each case with its real status code. Exits 0 only when every step got the expected status.
//
//   node demo/walkthrough.js [--express4]

const { startDemoBackend } = require('./app');
const { withClock, createTokenIssuer } = require('./backstage');

const useExpress4 = process.argv.includes('--express4');
const express = useExpress4 ? require('express4') : require('express');
const expressVersion = require(useExpress4 ? 'express4/package.json' : 'express/package.json').version;

// The demo ring forces a reload for an unknown kid after 2 s instead of Backstage's 30 s, so the
// rotation step does not have to wait half a minute. Every other number is Backstage's default.
const COOLDOWN = 2;

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function main() {
  const serverLog = [];
  const backend = await startDemoBackend({ express, refreshPolicy: { cooldown: COOLDOWN }, log: l => serverLog.push(l) });
  const steps = [];
  const call = async (name, path, token, expected, describe) => {
    const before = { ...backend.hits };
    const rejectionsBefore = backend.rejections.length;
    const response = await fetch(`${backend.baseUrl}${path}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    const text = await response.text();
    let detail;
    if (response.status === 200) {
      detail = describe ? describe(JSON.parse(text)) : text;
    } else {
      const rejection = backend.rejections.slice(rejectionsBefore)[0];
      detail = `"${text}"${rejection ? ` (server: ${rejection.code})` : ''}`;
    }
    const fetched = [];
    if (backend.hits.authJwks > before.authJwks) fetched.push(`auth JWKS x${backend.hits.authJwks - before.authJwks}`);
    if (backend.hits.scaffolderJwks > before.scaffolderJwks) {
      fetched.push(`scaffolder JWKS x${backend.hits.scaffolderJwks - before.scaffolderJwks}`);
    }
    const step = { name, path, expected, status: response.status, detail, fetched, ok: response.status === expected };
    steps.push(step);
    const mark = step.ok ? 'ok  ' : 'FAIL';
    console.log(`${mark} ${String(response.status).padEnd(4)} ${name.padEnd(46)} GET ${path}`);
    console.log(`          ${detail}${fetched.length ? `  [fetched: ${fetched.join(', ')}]` : ''}`);
    return step;
  };
  const user = body => {
    const p = body.principal;
    const who = p.type === 'user' ? `user ${p.userEntityRef}${p.actor ? `, actor ${p.actor.subject}` : ''}` : `service ${p.subject}`;
    return `${body.plugin}: principal ${JSON.stringify(p)} -> ${who}${body.expiresAt ? `, expires ${body.expiresAt}` : ''}`;
  };

  try {
    console.log(`backstage-identity walkthrough: Express ${expressVersion} on ${backend.baseUrl} (127.0.0.1 only)`);
    console.log('tokens come from Backstage itself: TokenFactory (@backstage/plugin-auth-backend) and');
    console.log("DefaultAuthService.getPluginRequestToken (@backstage/backend-defaults) of a 'scaffolder' plugin\n");

    // An already expired token, minted by the same auth backend two hours ago (frozen clock).
    const nowMs = Date.now();
    const oldIssuer = createTokenIssuer({ issuer: 'http://127.0.0.1/api/auth', keyStore: backend.authIssuer.keyStore });
    const expired = (await withClock(nowMs - 2 * 3600 * 1000, () => oldIssuer.issue('user:default/alice'))).token;

    // Sign in (public auth route) and get alice's token.
    const signIn = await fetch(`${backend.baseUrl}/api/auth/demo/token?user=alice`);
    const { backstageIdentity } = await signIn.json();
    const token = backstageIdentity.token;
    console.log(`ok   ${String(signIn.status).padEnd(4)} ${'sign in (public /api/auth route)'.padEnd(46)} GET /api/auth/demo/token?user=alice`);
    console.log(`          token for ${backstageIdentity.identity.userEntityRef} (${token.length} chars)\n`);

    await call('valid user token', '/api/catalog/entities', token, 200, user);
    await call('no token', '/api/catalog/entities', undefined, 401);
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), sub: 'user:default/admin' })).toString('base64url');
    await call('tampered token (payload says admin)', '/api/catalog/entities', `${h}.${forged}.${s}`, 401);
    await call('expired token (issued 2 h ago)', '/api/catalog/entities', expired, 401);
    await call('valid user token, other plugin', '/api/techdocs/docs', token, 200, user);
    await call('valid user token, unknown route', '/api/nowhere', token, 404);
    await call('no token, unknown route', '/api/nowhere', undefined, 401);

    // Plugin-to-plugin: the scaffolder calls the catalog on behalf of alice, then as itself.
    const credentials = await backend.scaffolder.authenticate(token);
    const obo = (await backend.scaffolder.getPluginRequestToken({ onBehalfOf: credentials, targetPluginId: 'catalog' })).token;
    await call('plugin token scaffolder->catalog with obo', '/api/catalog/entities', obo, 200, user);
    const own = await backend.scaffolder.getOwnServiceCredentials();
    const service = (await backend.scaffolder.getPluginRequestToken({ onBehalfOf: own, targetPluginId: 'catalog' })).token;
    await call('plugin token scaffolder->catalog (service)', '/api/catalog/entities', service, 200, user);
    await call('plugin token for catalog sent to proxy', '/api/proxy/x', service, 401);

    // Key rotation: the auth backend restarts with a new signing key (same key store).
    const restarted = createTokenIssuer({ issuer: 'http://127.0.0.1/api/auth', keyStore: backend.authIssuer.keyStore });
    const rotated = (await restarted.issue('user:default/bob')).token;
    const loadedAt = backend.keyRing.loadedAt('auth');
    while (Math.floor(Date.now() / 1000) < loadedAt + COOLDOWN) await sleep(100);
    const first = await call('rotated key: unknown kid -> one JWKS refetch', '/api/catalog/entities', rotated, 200, user);
    const second = await call('rotated key again: no refetch', '/api/techdocs/docs', rotated, 200, user);
    const oneRefetch = first.fetched.join() === 'auth JWKS x1' && second.fetched.length === 0;
    steps.push({ name: 'rotation handled with exactly one JWKS refetch', ok: oneRefetch });
    console.log(`${oneRefetch ? 'ok  ' : 'FAIL'}      rotation handled with exactly one JWKS refetch`);

    console.log(`\nJWKS requests served: auth ${backend.hits.authJwks}, scaffolder ${backend.hits.scaffolderJwks}`);
    console.log('server log:');
    for (const line of serverLog) console.log(`  ${line}`);
  } finally {
    await backend.close();
  }
  const failed = steps.filter(s => !s.ok);
  console.log(failed.length === 0 ? `\nall ${steps.length} steps as expected` : `\n${failed.length} of ${steps.length} steps FAILED`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  code => {
    process.exitCode = code;
  },
  error => {
    console.error(error);
    process.exitCode = 2;
  },
);
