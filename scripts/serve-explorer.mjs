#!/usr/bin/env node
// `npm run explorer`: serves the built explorer (dist/explorer/, made by `npm run build`) on
// 127.0.0.1 only. The page is plain static files; any static host serves it the same way.
// Options: --port N (default 8173; 0 picks a free one), --dir D (default dist/explorer).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, d) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : d;
};
const root = resolve(opt('dir', fileURLToPath(new URL('../dist/explorer/', import.meta.url))));
const port = Number(opt('port', process.env.PORT ?? 8173));
if (!existsSync(join(root, 'index.html'))) {
  console.error(`wideflow explorer: ${join(root, 'index.html')} not found; run \`npm run build\` (or \`npm run build:ts\`) first`);
  process.exit(1);
}
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const file = normalize(join(root, path.endsWith('/') ? path + 'index.html' : path));
  // Nothing outside the served directory, whatever the request path says.
  if (!(file === root || file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(path === '/favicon.ico' ? 204 : 404, { 'content-type': 'text/plain' }).end(path === '/favicon.ico' ? '' : 'not found');
    return;
  }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  res.end(readFileSync(file));
});
server.listen(port, '127.0.0.1', () => {
  const { port: p } = server.address();
  console.log(`wideflow explorer: http://127.0.0.1:${p}/  (serving ${root}; Ctrl-C to stop)`);
});
