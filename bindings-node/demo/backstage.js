'use strict';
// Drives Backstage's own packages (devDependencies) for the walkthrough and the compatibility
// test: the auth backend's TokenFactory + MemoryKeyStore (user tokens), and the new backend
// system's DefaultAuthService (authServiceFactory, via ServiceFactoryTester) for plugin and
// on-behalf-of tokens and as the reference verifier. Nothing here re-implements Backstage.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generateKeyPairSync } = require('node:crypto');

const { TokenFactory } = require('@backstage/plugin-auth-backend/dist/identity/TokenFactory.cjs.js');
const { MemoryKeyStore } = require('@backstage/plugin-auth-backend/dist/identity/MemoryKeyStore.cjs.js');
const { ServiceFactoryTester, mockServices } = require('@backstage/backend-test-utils');
const { authServiceFactory } = require('@backstage/backend-defaults/auth');
const { createServiceFactory, coreServices } = require('@backstage/backend-plugin-api');

/** A logger that keeps what Backstage logs (its handlers log the cause of a rejection). */
function memoryLogger(sink = []) {
  const log = level => (message, meta) => sink.push({ level, message: String(message), meta });
  const logger = { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), child: () => logger };
  return logger;
}

/**
 * Runs `fn` with `Date.now()` (and `new Date()`) frozen at `ms`, as the Backstage vectors were
 * minted: the only way to make Backstage's own code issue a token that is already expired.
 */
async function withClock(ms, fn) {
  const RealDate = globalThis.Date;
  class ClockDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(ms);
      else super(...args);
    }
    static now() {
      return ms;
    }
  }
  globalThis.Date = ClockDate;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

/**
 * The auth backend's token issuer, built the way the auth backend's router builds it (ES256,
 * 3600 s, `ent` omitted). Several issuers can share one key store, as a restarted auth
 * backend shares its database: the JWKS then lists every key still in use.
 */
function createTokenIssuer({ issuer, keyStore = new MemoryKeyStore(), keyDurationSeconds = 3600, algorithm = 'ES256' }) {
  const factory = new TokenFactory({
    issuer,
    keyStore,
    keyDurationSeconds,
    logger: memoryLogger(),
    algorithm,
    omitClaimsFromToken: ['ent'],
  });
  return {
    keyStore,
    factory,
    /** `{ token, identity }` as the auth backend returns it. */
    issue: (sub, ent = [sub]) => factory.issueToken({ claims: { sub, ent } }),
    /** The JWKS document of `/api/auth/.well-known/jwks.json`. */
    jwks: () => factory.listPublicKeys(),
  };
}

let keyDir;
/** A throw-away key pair for the static plugin key store (so no database is needed). */
function staticPluginKeys() {
  if (keyDir) return keyDir;
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backstage-identity-plugin-keys-'));
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fs.writeFileSync(path.join(keyDir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  fs.writeFileSync(path.join(keyDir, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  process.once('exit', () => fs.rmSync(keyDir, { recursive: true, force: true }));
  return keyDir;
}

/**
 * Backstage's `DefaultAuthService` for `pluginId` (the real `authServiceFactory`), with
 * `discovery` and `backend.auth` config (`externalAccess`, ...).
 */
async function createAuthService({ discovery, pluginId, auth = {}, logs = [] }) {
  const dir = staticPluginKeys();
  const data = {
    backend: {
      baseUrl: 'http://127.0.0.1:7007',
      auth: {
        pluginKeyStore: {
          type: 'static',
          static: {
            keys: [
              {
                publicKeyFile: path.join(dir, 'public.pem'),
                privateKeyFile: path.join(dir, 'private.pem'),
                keyId: `static-${pluginId}`,
              },
            ],
          },
        },
        ...auth,
      },
    },
  };
  const tester = ServiceFactoryTester.from(authServiceFactory, {
    dependencies: [
      mockServices.rootConfig.factory({ data }),
      createServiceFactory({ service: coreServices.discovery, deps: {}, factory: () => discovery }),
      createServiceFactory({ service: coreServices.logger, deps: {}, factory: () => memoryLogger(logs) }),
    ],
  });
  return tester.getSubject(pluginId);
}

module.exports = { createTokenIssuer, createAuthService, withClock, memoryLogger };
