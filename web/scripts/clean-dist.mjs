// Empties internal/web/dist before a build, keeping the committed placeholder
// that lets `go build` embed the folder when the UI was never built.
import { readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'internal', 'web', 'dist');
const keep = new Set(['.gitkeep']);

mkdirSync(dist, { recursive: true });
for (const name of readdirSync(dist)) {
  if (!keep.has(name)) rmSync(join(dist, name), { recursive: true, force: true });
}
