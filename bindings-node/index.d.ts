// Types of the package: the generated native API (./native.d.ts) plus the JS layer (index.js).

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Authenticator,
  KeyRing,
  type AuthConfig,
  type BackstageServicePrincipal,
  type BackstageUserPrincipal,
  type RefreshPolicy,
} from './native';

export * from './native';

/**
 * The token of an `Authorization` header by Backstage's exact rule (`^Bearer[ ]+(\S+)$`,
 * case-insensitive scheme, spaces only), or `undefined`. Anything but a string has no token.
 *
 * @example
 * getBearerToken('Bearer abc'); // => 'abc'
 * getBearerToken('Bearer\tabc'); // => undefined
 */
export declare function getBearerToken(header: unknown): string | undefined;

/** Default timeout of one JWKS fetch: 10000 ms. */
export declare const DEFAULT_FETCH_TIMEOUT_MS: number;
/** The most JWKS fetch rounds one authentication drives: 5. */
export declare const MAX_FETCH_ROUNDS: number;

/** Backstage's discovery service, or anything with the same `getBaseUrl`. */
export interface DiscoveryLike {
  /** The internal base URL of a plugin, e.g. `http://127.0.0.1:7007/api/auth`. */
  getBaseUrl(pluginId: string): Promise<string> | string;
}

/** Options of `new BackstageAuth` and `createAuthMiddleware`. */
export interface BackstageAuthOptions {
  /** Resolves `auth` and plugin ids to base URLs for JWKS fetches. */
  discovery?: DiscoveryLike;
  /** The receiving plugin's id (short for `config: { pluginId }`). */
  pluginId?: string;
  /** The full configuration (Backstage's `backend.auth` plus `pluginId`), object or JSON. */
  config?: AuthConfig | string;
  /** The key ring to use (share one between instances). Default: a new ring with `refreshPolicy`. */
  keyRing?: KeyRing;
  /** The refresh policy of the ring created when `keyRing` is not given. Default: Backstage's. */
  refreshPolicy?: RefreshPolicy;
  /** Accept limited user tokens. Default: the config's `allowLimitedAccess` (`false`). */
  allowLimitedAccess?: boolean;
  /** Timeout of one JWKS fetch in milliseconds. Default 10000. */
  fetchTimeoutMs?: number;
  /** The `fetch` to use. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Receives a warning when a JWKS fetch fails. */
  logger?: { warn?(message: string): void };
}

/** Options of one authentication. */
export interface AuthenticateOptions {
  /** Accept limited user tokens. Default: the instance's, then the config's (`false`). */
  allowLimitedAccess?: boolean;
  /** Judge the token at this time (Unix seconds). Default: now. */
  now?: number;
}

/** The old `IdentityClient` identity (user principals only). */
export interface BackstageUserIdentity {
  type: 'user';
  userEntityRef: string;
  ownershipEntityRefs: string[];
}

/**
 * The result of `authenticate`: the old `IdentityClient` shape (`token`, `identity`) and the new
 * credentials shape (`principal`, `expiresAt`).
 */
export interface AuthenticationResult {
  /** The token that was authenticated. */
  token: string;
  /** Present for user principals: `{ type: 'user', userEntityRef, ownershipEntityRefs }`. */
  identity?: BackstageUserIdentity;
  /** Backstage's principal. */
  principal: BackstageUserPrincipal | BackstageServicePrincipal;
  /** When the user's credentials expire; `undefined` for service principals (as Backstage). */
  expiresAt: Date | undefined;
  /** `user`, `limited-user`, `plugin`, `plugin-obo`, `legacy`, `static` or `external-jwks`. */
  kind: string;
  /** The user token's `ent` claim, else `[]`. */
  ownershipEntityRefs: string[];
}

/**
 * Authenticates Backstage tokens for one receiving plugin: the native `Authenticator` plus the
 * JWKS fetching it asks for (discovery `getBaseUrl`, global `fetch` with a timeout, one request
 * in flight per source, the core's refresh advice).
 *
 * @example
 * const { BackstageAuth } = require('backstage-identity');
 * const auth = new BackstageAuth({ discovery, pluginId: 'catalog' });
 * const { principal, expiresAt } = await auth.authenticate(token);
 */
export declare class BackstageAuth {
  constructor(options: BackstageAuthOptions);
  /** The ring keys are loaded into. */
  readonly keyRing: KeyRing;
  /** The native authenticator. */
  readonly authenticator: Authenticator;
  /** The receiving plugin's id. */
  readonly pluginId: string;
  /** JWKS requests sent, and how many failed. */
  readonly stats: { fetches: number; failures: number };
  /** Authenticates `token`; rejects with the core's error (`code`, `name`, `status`). */
  authenticate(token: string, options?: AuthenticateOptions): Promise<AuthenticationResult>;
  /** Authenticates an `Authorization` header value (`undefined`/`null`: no header). */
  authenticateHeader(authorization: string | null | undefined, options?: AuthenticateOptions): Promise<AuthenticationResult>;
}

/** A core error as thrown by this package. */
export interface BackstageIdentityError extends Error {
  /** The core's stable code, e.g. `ERR_TOKEN_EXPIRED`. */
  code: string;
  /** The core's family: `malformed`, `key`, `signature`, `claims`, `authentication`, `not_allowed`, `config`. */
  family: string;
  /** The HTTP status Backstage answers with: 401, 403 (not allowed) or 500 (configuration). */
  status: number;
  /** The code's stable number. */
  number: number;
}

/** Options of `createAuthMiddleware`. */
export interface AuthMiddlewareOptions extends BackstageAuthOptions {
  /** Sees each rejected request with the core's error (for logging). */
  onError?: (error: BackstageIdentityError, req: IncomingMessage) => void;
}

/** A request after the middleware accepted it. */
export interface AuthenticatedRequest extends IncomingMessage {
  /** The principal of the token. */
  principal: BackstageUserPrincipal | BackstageServicePrincipal;
  /** The whole result (old `{ token, identity }` and new `{ principal, expiresAt }`). */
  user: AuthenticationResult;
}

/** An Express 4/5 compatible middleware, with the `BackstageAuth` it uses. */
export interface AuthMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  readonly auth: BackstageAuth;
}

/**
 * An Express (4 and 5) middleware that reproduces the Backstage seed: accepted requests get
 * `req.principal` and `req.user`; others answer 401 `Unauthorized` (403 `Forbidden` where
 * Backstage answers 403).
 *
 * @example
 * const { createAuthMiddleware } = require('backstage-identity');
 * const authMiddleware = createAuthMiddleware({ discovery, pluginId: 'catalog' });
 * apiRouter.use('/catalog', authMiddleware, catalogRouter);
 */
export declare function createAuthMiddleware(options: AuthMiddlewareOptions | BackstageAuth): AuthMiddleware;
