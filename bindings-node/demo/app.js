'use strict';
// The seed's Express backend with the native middleware: /api/auth stays public (it serves the
// JWKS and issues tokens with Backstage's own TokenFactory), /api/catalog, /api/techdocs and
// /api/proxy are behind the middleware, and anything else answers 401 (or 404 once
// authenticated). Listens on 127.0.0.1 only.

const { createAuthMiddleware, KeyRing } = require('..');
const { createTokenIssuer, createAuthService } = require('./backstage');

/**
 * Starts the demo backend.
 * @param {object} options
 * @param {Function} options.express the express module (4 or 5)
 * @param {object} [options.refreshPolicy] the policy of the shared key ring
 * @param {(line: string) => void} [options.log] server-side log (rejection reasons)
 */
async function startDemoBackend({ express, refreshPolicy, log = () => {} }) {
  let baseUrl;
  const discovery = {
    getBaseUrl: async pluginId => `${baseUrl}/api/${pluginId}`,
    getExternalBaseUrl: async pluginId => `${baseUrl}/api/${pluginId}`,
  };
  const hits = { authJwks: 0, scaffolderJwks: 0 };
  const rejections = [];

  // The auth backend's issuer. Its key store outlives issuers, as the auth database does.
  const authIssuer = createTokenIssuer({ issuer: 'http://127.0.0.1/api/auth' });
  // The scaffolder plugin's own auth service: it makes plugin-to-plugin tokens.
  const scaffolder = await createAuthService({ discovery, pluginId: 'scaffolder' });

  const keyRing = new KeyRing(refreshPolicy);
  const middleware = pluginId =>
    createAuthMiddleware({
      discovery,
      pluginId,
      keyRing,
      onError: (error, req) => {
        rejections.push({ path: req.originalUrl ?? req.url, code: error.code });
        log(`${req.method} ${req.originalUrl ?? req.url} rejected: ${error.code} (${error.message})`);
      },
    });

  const wrap = handler => (req, res, next) => Promise.resolve(handler(req, res)).catch(next);
  const pluginRouter = pluginId => {
    const router = express.Router();
    router.use((req, res) =>
      res.json({
        plugin: pluginId,
        path: req.path,
        principal: req.principal,
        expiresAt: req.user.expiresAt,
      }),
    );
    return router;
  };

  const app = express();
  const apiRouter = express.Router();

  // The auth route must be publicly available: it is used during login.
  const authRouter = express.Router();
  authRouter.get(
    '/.well-known/jwks.json',
    wrap(async (req, res) => {
      hits.authJwks++;
      res.json(await authIssuer.jwks());
    }),
  );
  authRouter.get(
    '/demo/token',
    wrap(async (req, res) => {
      const user = String(req.query.user ?? 'alice').replace(/[^a-z0-9_-]/gi, '');
      const { token, identity } = await authIssuer.issue(`user:default/${user}`);
      res.json({ backstageIdentity: { token, identity } });
    }),
  );
  apiRouter.use('/auth', authRouter);
  // A plugin's service-key JWKS is public too (each plugin serves its own).
  apiRouter.get(
    '/scaffolder/.backstage/auth/v1/jwks.json',
    wrap(async (req, res) => {
      hits.scaffolderJwks++;
      res.json(await scaffolder.listPublicServiceKeys());
    }),
  );
  // Only authenticated requests are allowed to the routes below.
  apiRouter.use('/catalog', middleware('catalog'), pluginRouter('catalog'));
  apiRouter.use('/techdocs', middleware('techdocs'), pluginRouter('techdocs'));
  apiRouter.use('/proxy', middleware('proxy'), pluginRouter('proxy'));
  apiRouter.use(middleware('app'), (req, res) => res.status(404).json({ error: 'not found' }));
  app.use('/api', apiRouter);

  const server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', error => (error ? reject(error) : resolve(s)));
    s.once('error', reject);
  });
  baseUrl = `http://127.0.0.1:${server.address().port}`;
  return {
    baseUrl,
    discovery,
    hits,
    rejections,
    keyRing,
    authIssuer,
    scaffolder,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

module.exports = { startDemoBackend };
