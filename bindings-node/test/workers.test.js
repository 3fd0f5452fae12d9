'use strict';
// The native module loads and verifies in worker_threads, concurrently with the main thread, and
// workers that are terminated mid-work do not take the process down.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { Authenticator } = require('..');

const user = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/vectors/backstage/001-user-es256-default.json'), 'utf8'));
const exp = JSON.parse(Buffer.from(user.token.split('.')[1], 'base64url')).exp;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Authenticator, Verifier } = require(workerData.pkg);
const auth = new Authenticator({ pluginId: 'catalog' });
auth.keyRing.load('auth', workerData.jwks, workerData.now);
const later = new Authenticator({ pluginId: 'catalog' });
later.keyRing.load('auth', workerData.jwks, workerData.exp);
const verifier = new Verifier(workerData.jwks, { audiences: ['backstage'] });
const seen = new Set();
let expired = 0;
for (let i = 0; i < workerData.rounds; i++) {
  seen.add(auth.authenticateSync(workerData.token, { now: workerData.now }).principal.userEntityRef);
  seen.add(verifier.verify(workerData.token, workerData.now).payload.sub);
  try { later.authenticateSync(workerData.token, { now: workerData.exp }); } catch (e) { if (e.code === 'ERR_TOKEN_EXPIRED') expired++; }
}
parentPort.postMessage({ seen: [...seen], expired });
`;

function run(workerData) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', code => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
}

test('four workers and the main thread verify at the same time', async () => {
  const jwks = JSON.stringify(user.jwks.auth);
  const data = { pkg: path.join(__dirname, '..'), jwks, token: user.token, now: user.now, exp, rounds: 200 };
  const main = new Authenticator({ pluginId: 'catalog' });
  main.keyRing.load('auth', jwks, user.now);
  const workers = Promise.all([run(data), run(data), run(data), run(data)]);
  for (let i = 0; i < 200; i++) assert.equal(main.authenticateSync(user.token, { now: user.now }).ok, true);
  for (const result of await workers) {
    assert.deepEqual(result.seen, ['user:default/alice']);
    assert.equal(result.expired, 200);
  }
});

test('terminating a busy worker does not crash the process', async () => {
  const data = { pkg: path.join(__dirname, '..'), jwks: JSON.stringify(user.jwks.auth), token: user.token, now: user.now, exp, rounds: 1e9 };
  const worker = new Worker(WORKER, { eval: true, workerData: data });
  await new Promise(resolve => worker.once('online', resolve));
  await new Promise(resolve => setTimeout(resolve, 100));
  assert.equal(await worker.terminate(), 1);
});
