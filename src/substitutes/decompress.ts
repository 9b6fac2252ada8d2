// Streaming decompression for the methods Guix servers use, each chosen by measurement (`npm run
// bench substitutes` prints the comparison): gzip is Node's zlib in process, which inflated and
// hashed faster than a `gzip -dc` subprocess and about as fast as `pigz -dc` (ahead or behind
// with the load of the moment) without needing pigz; Node 20's zlib has no zstd or lzip, so those
// go through the `zstd` and `lzip` programs as subprocesses, as fast as the programs alone.
// Every decompressor is a Duplex whose output is pulled with back-pressure, so its memory is a few
// buffers, whatever it expands to.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Duplex, PassThrough } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { excerpt } from '../display.js';

/** Why a nar cannot be decompressed; `truncated` when its compressed stream ended early. */
export class DecompressionError extends Error {
  override readonly name = 'DecompressionError';
  constructor(message: string, readonly truncated = false) {
    super(message);
  }
}

/** A method whose program is missing here. */
const notInstalled = (compression: string, program: string): DecompressionError =>
  new DecompressionError(`${compression} decompression needs the \`${program}\` program, which is not installed (Debian: apt install ${program})`);

export interface Decompressor {
  stream: Duplex;
  /** Resolves when the decompressor has finished cleanly; rejects with a DecompressionError. */
  finished(): Promise<void>;
  /** Stop at once (the output outgrew its bound, or the input failed). */
  abort(): void;
}

// The program and its arguments for each method, reading stdin and writing stdout. Not `lzip -q`:
// it silences lzip's errors, and "File ends unexpectedly" is how a truncated nar is told apart.
const PROGRAMS: Record<string, { program: string; args: string[] }> = {
  zstd: { program: 'zstd', args: ['-dcq'] },
  lzip: { program: 'lzip', args: ['-dc'] },
};

/** The methods this build can check. */
const COMPRESSIONS = ['none', 'gzip', 'zstd', 'lzip'];

/** A decompressor for `compression` (the narinfo's Compression value). */
export function decompressor(compression: string): Decompressor {
  if (compression === 'none') {
    const stream = new PassThrough();
    return { stream, finished: async () => {}, abort: () => stream.destroy() };
  }
  if (compression === 'gzip') {
    // 64 KiB output chunks, not zlib's 16 KiB: a quarter of the calls into zlib and the hash
    // (measured in `npm run bench substitutes`: 1.6-1.8x the throughput).
    const stream = createGunzip({ chunkSize: 1 << 16 });
    return { stream, finished: async () => {}, abort: () => stream.destroy() };
  }
  const { program, args } = PROGRAMS[compression] ?? {};
  if (!program || !args) throw new DecompressionError(`unsupported compression "${excerpt(compression, 40)}" (keytool reads ${COMPRESSIONS.join(', ')})`);
  if (!installed(program)) throw notInstalled(compression, program);
  return subprocess(program, args, compression);
}

const found = new Map<string, boolean>();
/** Whether `program` runs here (asked once per run). */
function installed(program: string): boolean {
  let ok = found.get(program);
  if (ok === undefined) {
    ok = spawnSync(program, ['--version'], { stdio: 'ignore' }).status === 0;
    found.set(program, ok);
  }
  return ok;
}

function subprocess(program: string, args: string[], compression: string): Decompressor {
  const child: ChildProcess = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('latin1');
  child.stderr!.on('data', (s: string) => {
    if (stderr.length < 2000) stderr += s;
  });
  let aborted = false;
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => {
      reject((e as NodeJS.ErrnoException).code === 'ENOENT' ? notInstalled(compression, program) : new DecompressionError(`cannot run ${program}: ${excerpt(e.message, 120)}`));
    });
    child.on('close', (code, signal) => {
      if (aborted || code === 0) return resolve();
      const said = excerpt(stderr.trim().split('\n').pop() ?? '', 160);
      // A stream cut short: zstd says "premature end", lzip "File ends unexpectedly".
      const truncated = /unexpected end|ends unexpectedly|truncated|premature|incomplete/i.test(stderr);
      reject(new DecompressionError(`not valid ${compression} data (${program} ${signal ? `killed by ${signal}` : `exited with status ${code}`}${said ? `: ${said}` : ''})`, truncated));
    });
  });
  exited.catch(() => {}); // awaited by finished(); an early failure must not go unhandled
  // A writer that stops (the bound was hit) must not raise EPIPE through the pipeline.
  child.stdin!.on('error', () => {});
  const stream = Duplex.from({ writable: child.stdin!, readable: child.stdout! });
  return {
    stream,
    finished: () => exited,
    abort: () => {
      aborted = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      stream.destroy();
    },
  };
}
