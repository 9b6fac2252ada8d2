// `npm run bench`: runs every benchmark in bench/*.mjs in turn (each prints its own section).
// Figures are ratios against a baseline measured in the same run, never absolute times alone.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench');
const only = process.argv.slice(2);
for (const file of readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort()) {
  const name = file.replace(/\.mjs$/, '');
  if (only.length && !only.includes(name)) continue;
  const mod = await import(pathToFileURL(path.join(dir, file)).href);
  console.log(`\n== ${name} ==`);
  await mod.run();
}
