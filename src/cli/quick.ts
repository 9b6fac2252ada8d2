// The quick path (dist/cli/quick.cjs): `keytool list` and `keytool show FILE` in their everyday
// forms, run without clipanion. Parsing the command line with clipanion and defining its command
// classes cost more than node's own start-up; these two commands take two options. Only the
// forms below are taken, and they do exactly what the CLI would do with them (the same keyops.ts
// function, the same failure report; test/cli/quick.test.ts holds every form to what clipanion
// makes of it). Anything else (help, a typo, `show -`, an option given twice) is left to the CLI,
// which says what is wrong as it always has.
// bin/keytool starts these commands with node's fixed string-hash seed (--no-rehash-snapshot):
// nothing read from input may become the keys of a table here (an object's, a Map's), or input
// could be made to collide.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { configDir, configPaths } from '../config.js';
import { BROKEN_PIPE_STATUS, exitQuietlyOnBrokenPipe, isBrokenPipe } from '../fsutil/broken-pipe.js';
import { fdWriter } from '../fsutil/fd-writer.js';
import { reportFailure } from './failure.js';
import { colourFor, type CommandIo } from './io.js';
import { listAcl, showKey } from './keyops.js';

/** A command line the quick path takes: what clipanion would have set on the command. */
export interface QuickForm {
  command: 'list' | 'show';
  json: boolean;
  configDir?: string;
  /** `show`'s FILE. */
  file?: string;
}

const CONFIG_DIR = '--config-dir';

/** The form `argv` (without node and script) has, when the quick path takes it. */
export function quickForm(argv: readonly string[]): QuickForm | undefined {
  const [command, ...rest] = argv;
  if (command !== 'list' && command !== 'show') return undefined;
  const form: QuickForm = { command, json: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--json' && !form.json) {
      form.json = true;
      continue;
    }
    if (command === 'show' && form.file === undefined && arg !== '' && !arg.startsWith('-')) {
      form.file = arg;
      continue;
    }
    let value: string | undefined;
    if (arg === CONFIG_DIR) value = rest[++i];
    else if (arg.startsWith(`${CONFIG_DIR}=`)) value = arg.slice(CONFIG_DIR.length + 1);
    else return undefined;
    // An empty or option-like value, or a second --config-dir: the CLI's to judge.
    if (value === undefined || value === '' || value.startsWith('-') || form.configDir !== undefined) return undefined;
    form.configDir = value;
  }
  if (command === 'show' && form.file === undefined) return undefined;
  return form;
}

/** What the quick path writes to and reads from. */
export interface QuickSystem {
  out(data: string | Uint8Array): void;
  err(text: string): void;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/** Runs `form` as the CLI would; resolves to the exit status. */
export async function runQuick(form: QuickForm, sys: QuickSystem): Promise<number> {
  const io: CommandIo = {
    get stdin() {
      return sys.stdin;
    },
    out: (text) => sys.out(text),
    outBytes: (bytes) => sys.out(bytes),
    err: (text) => sys.err(text),
    colourOut: colourFor({ isTTY: sys.stdoutIsTTY }, sys.env),
    paths: configPaths(configDir(form.configDir, sys.env)),
  };
  try {
    return form.command === 'list' ? await listAcl(io, form.json) : await showKey(io, form.file!, form.json);
  } catch (error) {
    return reportFailure(error, sys.err, sys.env);
  }
}

/**
 * Whether `fd` is a terminal, as tty.isatty says, without loading node:tty: that module and the
 * net and stream modules it loads cost a tenth of a bare node start, a third of a `keytool list`
 * on a terminal. Only a character device can be a terminal, and not a memory device (major 1:
 * /dev/null...); on Linux, majors 4 (virtual consoles, serial ports), 5 (/dev/tty, the console,
 * /dev/ptmx) and 136-143 (pseudo-terminals: every terminal window, ssh, tmux) belong to the tty
 * layer whatever the node is named. Other devices are asked of node:tty.
 */
export function isTerminal(fd: number): boolean {
  let stats;
  try {
    stats = fstatSync(fd);
  } catch {
    return false;
  }
  if (!stats.isCharacterDevice()) return false;
  const major = (stats.rdev >> 8) & 0xfff;
  if (major === 1) return false;
  if (process.platform === 'linux' && (major === 4 || major === 5 || (major >= 136 && major <= 143))) return true;
  return (require('node:tty') as typeof import('node:tty')).isatty(fd);
}

/**
 * Entry of dist/cli/quick.cjs, called by the launcher: false when `argv` is not a form the quick
 * path takes (the launcher then starts the CLI), else runs it and sets the exit status.
 */
export function quickMain(argv: readonly string[]): boolean {
  const form = quickForm(argv);
  if (!form) return false;
  // Straight to the descriptors: process.stdout would first build a stream (a tenth of node's
  // start on a terminal or a pipe); on a descriptor that cannot take it now, the stream after all.
  const stream = (name: 'stdout' | 'stderr') => () => {
    const s = process[name];
    exitQuietlyOnBrokenPipe(s);
    return s;
  };
  const sys: QuickSystem = {
    out: fdWriter(1, stream('stdout')),
    err: fdWriter(2, stream('stderr')),
    get stdin() {
      return process.stdin;
    },
    stdoutIsTTY: isTerminal(1),
    env: process.env,
  };
  void runQuick(form, sys).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      // Standard error's reader went away while we reported: as the CLI, quietly.
      if (!isBrokenPipe(error)) throw error;
      process.exitCode = BROKEN_PIPE_STATUS;
    },
  );
  return true;
}

/**
 * What the code cache is made after (src/cli/code-cache.ts): `list` and `show`, as text and as
 * JSON, on the example configuration (`keys-example`: an ACL, Ed25519, NIST P-256 and RSA keys,
 * public and private), so V8 has compiled what they run for every kind of key. Throws if one fails.
 */
export async function warmUp(examples: string): Promise<void> {
  const files = ['signing-key', 'p256/signing-key', 'rsa/signing-key'].flatMap((k) => [`${k}.pub`, `${k}.sec`]);
  const forms = [['list'], ['list', '--json'], ...files.flatMap((f) => [['show', f], ['show', '--json', f]])];
  let said = '';
  // Output to /dev/null through the same writer and terminal test as a real run.
  const devNull = openSync('/dev/null', 'w');
  try {
    const sys: QuickSystem = {
      out: fdWriter(devNull, () => {
        throw new Error('/dev/null would block');
      }),
      err: (text) => {
        said += text;
      },
      stdin: undefined as never,
      stdoutIsTTY: isTerminal(devNull),
      env: { GUIX_CONFIGURATION_DIRECTORY: examples },
    };
    for (const argv of forms) {
      const form = quickForm(argv.map((a) => (a.endsWith('.pub') || a.endsWith('.sec') ? `${examples}/${a}` : a)))!;
      if ((await runQuick(form, sys)) !== 0) throw new Error(`keytool ${argv.join(' ')} failed in ${examples}: ${said.trim()}`);
    }
  } finally {
    closeSync(devNull);
  }
}
