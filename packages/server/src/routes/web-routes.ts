import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-errors';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** The web view's folder: `web/` next to `dist/` (or `src/`, in tests). @internal */
export const WEB_ROOT = join(__dirname, '..', '..', 'web');

/**
 * The web view: `GET /` answers `web/index.html` and `GET /assets/<file>`
 * the files of `web/` and `dagre.js` (the layout library). Files are read
 * once at start into a map; a request names a key of that map, never a path.
 * @internal
 */
export function webRoutes(app: FastifyInstance): void {
  const assets = new Map<string, Asset>();
  if (existsSync(WEB_ROOT)) {
    for (const entry of readdirSync(WEB_ROOT, { withFileTypes: true })) {
      const type = TYPES[extname(entry.name)];
      if (entry.isFile() && type !== undefined) assets.set(entry.name, { body: readFileSync(join(WEB_ROOT, entry.name)), type });
    }
  }
  // dagre's browser build (a UMD script that sets `window.dagre`), next to its package.json: its exports map names no file of dist/.
  assets.set('dagre.js', { body: readFileSync(join(dirname(require.resolve('@dagrejs/dagre/package.json')), 'dist', 'dagre.min.js')), type: TYPES['.js']! });
  const page = assets.get('index.html');
  const headers = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };

  app.get('/', async (_request, reply) => {
    if (page === undefined) throw new HttpError(404, 'not_found', 'This build of @portflow/server has no web view (web/index.html is missing).');
    return reply.headers({ ...headers, 'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'" }).type(page.type).send(page.body);
  });
  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (asset === undefined) throw new HttpError(404, 'not_found', `No asset '${request.params.file}'.`);
    return reply.headers(headers).type(asset.type).send(asset.body);
  });
}
