// Compiled by scripts/test.sh with `tsc --noEmit --strict`: every export of index.d.ts is typed and usable.
import { BackstageAuth, createAuthMiddleware, getBearerToken, Authenticator, KeyRing, KeySet, Verifier, verify, sourceUrl, errorCodes, MAX_JWKS_BYTES, AuthenticationResult, BackstageIdentityError } from '..';
const ring = new KeyRing({ cooldown: 30 });
const auth = new Authenticator({ pluginId: 'catalog' }, ring);
const r = auth.authenticateSync('t', { now: 1 });
if (r.ok) { const p = r.principal; if (p.type === 'user') { const u: string = p.userEntityRef; } } else { const s: string = r.fetch.source; }
const b = new BackstageAuth({ discovery: { getBaseUrl: async (id: string) => id }, pluginId: 'catalog' });
b.authenticate('t').then((x: AuthenticationResult) => x.expiresAt?.toISOString());
const mw = createAuthMiddleware({ pluginId: 'x', onError: (e: BackstageIdentityError) => e.code });
const t: string | undefined = getBearerToken('Bearer x');
const v = new Verifier(new KeySet('{}'), { audiences: ['a'] }).verify('t');
const a: string = v.header.alg;
verify('t', '{}', '{}', 1);
sourceUrl('auth', 'x'); errorCodes()[0].code; const n: number = MAX_JWKS_BYTES;
