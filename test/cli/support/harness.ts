// Builds test/cli/support/acl-writer.ts into a runnable bundle (once per test file) and runs it.
import { build } from 'esbuild';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TMP_ROOT } from '../../support/oracle.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let built: Promise<string> | undefined;

export function writerBundle(): Promise<string> {
  built ??= (async () => {
    mkdirSync(TMP_ROOT, { recursive: true });
    const out = path.join(TMP_ROOT, `acl-writer.${process.pid}.mjs`);
    await build({ entryPoints: [path.join(here, 'acl-writer.ts')], outfile: out, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });
    return out;
  })();
  return built;
}

/** Start the writer; resolves once it printed `until` (or exited). */
export async function startWriter(args: string[], until: string): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [await writerBundle(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(until)) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then(() => resolve());
  });
  return { child, output: () => out, exited };
}
