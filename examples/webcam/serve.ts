// Serves a built webcam demo on 127.0.0.1 (a secure context, so the camera API exists) with the
// COOP/COEP headers of the browser test harness (SharedArrayBuffer for the webasm mode).
// Run: node --import tsx examples/webcam/serve.ts [DIR]   (default examples/webcam/dist)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../../test/browser/harness/server.js';

const dir = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist'));
if (!fs.existsSync(path.join(dir, 'index.html'))) {
  console.error(`no built demo in ${dir}: run node --import tsx examples/webcam/build.ts first`);
  process.exit(1);
}
const server = await serveStatic(dir);
console.log(`webcam demo at ${server.url} (Ctrl-C to stop)`);
