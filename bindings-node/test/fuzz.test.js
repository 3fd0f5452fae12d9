'use strict';
// Deterministic mutation fuzzing through the binding: every input either verifies or throws a
// JS Error whose code is one of the core's; no mutated token is ever accepted; the process never
// crashes.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Authenticator, KeySet, Verifier, errorCodes } = require('..');

const user = JSON.parse(fs.readFileSync(path.join(__dirname, '../../tests/vectors/backstage/001-user-es256-default.json'), 'utf8'));
const jwksText = JSON.stringify(user.jwks.auth);
const codes = new Set(errorCodes().map(c => c.code));

/** xorshift32: the same sequence on every run. */
function prng(seed) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function mutate(text, random) {
  const chars = [...text];
  const edits = 1 + Math.floor(random() * 4);
  const alphabet = 'AZaz09-_.=+/ "{}:,\u00e9\u0000\ud83d\ude00';
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (chars.length + 1));
    const op = random();
    const c = alphabet[Math.floor(random() * alphabet.length)];
    if (op < 0.4) chars.splice(at, 1);
    else if (op < 0.8) chars.splice(at, 1, c);
    else chars.splice(at, 0, c);
  }
  return chars.join('');
}

function judge(f) {
  try {
    const result = f();
    return result?.ok === false ? 'fetch' : 'accepted';
  } catch (error) {
    assert.ok(error instanceof Error, 'an Error');
    assert.ok(codes.has(error.code), `a core code, got ${error.code}`);
    return error.code;
  }
}

test('mutated tokens and headers are judged with core codes', () => {
  const random = prng(0x5eed);
  const auth = new Authenticator({ pluginId: 'catalog' });
  auth.keyRing.load('auth', jwksText, user.now);
  const verifier = new Verifier(jwksText);
  const seen = new Map();
  for (let i = 0; i < 3000; i++) {
    const token = mutate(user.token, random);
    if (token === user.token) continue;
    for (const verdict of [
      judge(() => auth.authenticateSync(token, { now: user.now })),
      judge(() => auth.authenticateHeaderSync(`Bearer ${token}`, { now: user.now })),
      judge(() => verifier.verify(token, user.now)),
    ]) {
      seen.set(verdict, (seen.get(verdict) ?? 0) + 1);
    }
  }
  // Strict base64url: any change to a signed token breaks it.
  assert.equal(seen.get('accepted') ?? 0, 0, 'no mutated token is accepted');
  // The mutations reach the base64, JSON, segment and signature checks.
  for (const code of ['ERR_JWS_BASE64', 'ERR_JWS_SEGMENTS', 'ERR_SIGNATURE_INVALID']) assert.ok(seen.has(code), `${code} reached`);
});

test('mutated JWKS documents load or are refused with core codes', () => {
  const random = prng(0xbeef);
  const seen = new Set();
  for (let i = 0; i < 3000; i++) {
    const doc = mutate(jwksText, random);
    seen.add(judge(() => new KeySet(doc)));
    seen.add(judge(() => new KeySet(Buffer.from(doc, 'latin1'))));
  }
  assert.ok(seen.has('ERR_JWKS_INVALID'));
});
