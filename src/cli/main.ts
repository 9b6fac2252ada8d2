// The keytool command line. clipanion parses; this wrapper fixes what clipanion does not do the
// shell way: errors go to stderr, misuse exits 2, failures 1, and colour only on a terminal.
import { Builtins, Cli, Command, UsageError, type BaseContext, type CommandClass } from 'clipanion';
import { exitQuietlyOnBrokenPipe } from '../fsutil/broken-pipe.js';
import { VERSION } from '../version.js';
import { reportFailure } from './failure.js';
import { colourFor } from './io.js';
import { commands } from './commands/index.js';

export interface RunContext {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; fd?: number };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** The name help shows for the program: as invoked (bin/keytool says), else `keytool`. */
function programName(env: NodeJS.ProcessEnv): string {
  const name = env.KEYTOOL_INVOKED_AS;
  return name && /^[\w.+-]+$/.test(name) ? name : 'keytool';
}

export function makeCli(colour: boolean, name = 'keytool', only?: readonly CommandClass[]): Cli {
  const cli = new Cli({
    binaryLabel: 'guix-keytool',
    binaryName: name,
    binaryVersion: VERSION,
    enableColors: colour,
    enableCapture: false,
  });
  for (const c of only ?? [Builtins.HelpCommand, ...commands]) cli.register(c);
  return cli;
}

const startsWith = (argv: readonly string[], words: readonly string[]): boolean => words.length <= argv.length && words.every((w, i) => argv[i] === w);

/**
 * The commands `argv` can run: those whose path it starts with (clipanion reads the path first).
 * clipanion builds its parser from every registered command the first time it parses, which was
 * 40% of a `keytool list`; registering these alone leaves that to the runs that need every
 * command: listings, help, and errors ("did you mean" looks at them all). Empty when none.
 */
function candidates(argv: readonly string[]): CommandClass[] {
  return commands.filter((c) => c.paths?.some((p) => startsWith(argv, p)));
}

/**
 * clipanion writes an option's value as `#0` (`--config-dir #0`); name it after the option instead
 * (`--config-dir CONFIG-DIR`), as man pages and other tools do, or as the command's
 * `static placeholders` says (`{ '--key': 'SECRET-FILE' }`), so help and details use one name.
 */
export function namePlaceholders(text: string, names: Readonly<Record<string, string>> = {}): string {
  return text.replace(/((?:--?[\w-]+,)*(--?([\w-]+))) #0/g, (_m, flags: string, last: string, bare: string) => `${flags} ${names[last] ?? bare.toUpperCase()}`);
}

const placeholdersOf = (c: CommandClass | Command): Readonly<Record<string, string>> =>
  ((c instanceof Command ? c.constructor : c) as { placeholders?: Record<string, string> }).placeholders ?? {};

/**
 * A command's --help: clipanion's detailed usage, whose usage line leaves every option out (even
 * a required one), with the one-line usage that names them all instead.
 */
function commandHelp(cli: Cli, c: CommandClass | Command, colored: boolean): string {
  const names = placeholdersOf(c);
  const line = namePlaceholders(cli.usage(c, { colored }), names).trimEnd();
  const text = namePlaceholders(cli.usage(c, { colored, detailed: true }), names);
  return alignOptions(text.replace(/^.*\$ .*$/m, line));
}

const ESC = /\x1b\[[0-9;]*m/g;

/** Re-pad the Options section's first column, which clipanion padded before the placeholders were named. */
function alignOptions(text: string): string {
  const m = /(Options(?:\x1b\[[0-9;]*m)?\n\n)((?: {2}.*\n)+)/.exec(text);
  if (!m) return text;
  const rows = m[2]!.split('\n').slice(0, -1).map((l) => {
    const split = /^ {2}((?:\x1b\[[0-9;]*m)?)(.*?) *((?:\x1b\[[0-9;]*m)?) {4}(.*)$/.exec(l);
    return split ? { open: split[1]!, def: split[2]!, close: split[3]!, desc: split[4]! } : undefined;
  });
  if (rows.some((r) => !r)) return text;
  const width = Math.max(...rows.map((r) => r!.def.replace(ESC, '').length));
  const body = rows.map((r) => `  ${r!.open}${r!.def.padEnd(width)}${r!.close}    ${r!.desc}\n`).join('');
  return text.slice(0, m.index) + m[1] + body + text.slice(m.index + m[0].length);
}

/**
 * clipanion's parser copies its state at every token, so its cost grows with the square of the
 * argument count: 10,000 `archive export` groups ran out of memory. A command that reads its own
 * arguments (`static rawArguments = true`, with an `Option.Proxy` field `args`) is chosen by its
 * path alone and handed the rest untouched.
 */
function processRaw(cli: Cli, argv: string[], context: BaseContext): Command | undefined {
  for (const c of commands) {
    if (!(c as { rawArguments?: boolean }).rawArguments) continue;
    const p = c.paths?.find((words) => startsWith(argv, words));
    if (!p) continue;
    const command = cli.process(p, context) as Command & { args: string[] };
    command.args = argv.slice(p.length);
    return command;
  }
  return undefined;
}

const HELP = new Set(['-h', '--help']);

/**
 * What clipanion cannot answer by itself, answered before it parses: `help [COMMAND...]` is
 * `COMMAND... --help`; a group name (`nar`, `archive`...), with or without --help, lists that
 * group's commands, one line each. Undefined when clipanion should handle `argv`.
 */
function beforeParsing(fullCli: () => Cli, argv: string[], name: string): { argv: string[] } | { out: string } | undefined {
  const asked = argv[0] === 'help' ? [...argv.slice(1).filter((a) => !HELP.has(a)), '--help'] : undefined;
  const words = (asked ?? argv).filter((a) => !HELP.has(a));
  if (words.length === 0 || words.some((w) => w.startsWith('-'))) return asked && { argv: asked };
  // From the command classes' paths first: cli.definitions() formats every command's help text
  // (about a third of a `keytool list`), which only a group listing needs.
  const paths = commands.flatMap((c) => c.paths ?? []);
  const extends_ = (p: string[], longer: boolean) => (longer ? p.length > words.length : p.length === words.length) && words.every((w, i) => p[i] === w);
  if (!paths.some((p) => extends_(p, true)) || paths.some((p) => extends_(p, false))) return asked && { argv: asked };
  const prefix = `keytool ${words.join(' ')}`;
  const group = fullCli().definitions().filter((d) => d.path.startsWith(`${prefix} `));
  const width = Math.max(...group.map((d) => d.path.length));
  const lines = group.map((d) => `  ${d.path.replace(/^\S+/, name).padEnd(width - 'keytool'.length + name.length)}  ${(d.description ?? '').trim()}`);
  const title = words.join(' ');
  return { out: `${name} ${title}: one of these commands (${name} help ${title} COMMAND for one of them)\n\n${lines.join('\n')}\n` };
}

/**
 * clipanion answers a known command missing a required option with "Command not found; did you
 * mean" that very command: say which option is missing instead.
 */
function missingOption(cli: Cli, argv: string[], name: string): string | undefined {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  for (let n = words.length; n > 0; n--) {
    const def = cli.definitions().find((d) => d.path === `keytool ${words.slice(0, n).join(' ')}`);
    if (!def) continue;
    const given = new Set(argv.map((a) => a.split('=')[0]));
    const missing = def.options.filter((o) => o.required && !o.definition.split(/[ ,]+/).some((f) => given.has(f)));
    if (missing.length === 0) return undefined;
    const flags = missing.map((o) => o.definition.split(/[ ,]+/).filter((f) => f.startsWith('--')).at(-1) ?? o.definition);
    return `${name} ${words.slice(0, n).join(' ')}: missing required option ${flags.join(', ')} (see ${name} ${words.slice(0, n).join(' ')} --help)\n`;
  }
  return undefined;
}

/** Run keytool with `argv` (without node and script); resolves to the exit status. */
export async function run(argv: string[], ctx: RunContext): Promise<number> {
  const colour = colourFor(ctx.stderr, ctx.env);
  const name = programName(ctx.env);
  let all: Cli | undefined;
  const fullCli = () => (all ??= makeCli(colour, name));
  const context = { ...Cli.defaultContext, ...ctx, colorDepth: colour ? 8 : 1 } as BaseContext & RunContext;
  const early = beforeParsing(fullCli, argv, name);
  if (early && 'out' in early) {
    ctx.stdout.write(early.out);
    return 0;
  }
  if (early) argv = early.argv;
  const only = candidates(argv);
  let cli = only.length ? makeCli(colour, name, only) : fullCli();
  let command;
  try {
    try {
      command = processRaw(cli, argv, context) ?? cli.process(argv, context);
    } catch (error) {
      if (cli === all) throw error;
      // Every command, for the same error as ever (whatever the few candidates would say).
      cli = fullCli();
      command = processRaw(cli, argv, context) ?? cli.process(argv, context);
    }
  } catch (error) {
    ctx.stderr.write(missingOption(cli, argv, name) ?? namePlaceholders(cli.error(error, { colored: colour })));
    return 2;
  }
  if (command.help) {
    ctx.stdout.write(commandHelp(cli, command, colour && Boolean(ctx.stdout.isTTY)));
    return 0;
  }
  command.context = context;
  command.cli = {
    binaryLabel: cli.binaryLabel,
    binaryName: cli.binaryName,
    binaryVersion: cli.binaryVersion,
    enableCapture: false,
    enableColors: colour,
    definitions: () => fullCli().definitions(),
    definition: (c) => cli.definition(c),
    error: (e, o) => namePlaceholders(cli.error(e, o)),
    format: (c) => cli.format(c),
    process: (i, sub) => cli.process(i, { ...context, ...sub }),
    run: (i, sub) => cli.run(i, { ...context, ...sub }),
    usage: (c, o) => (o?.detailed && c ? commandHelp(cli, c, false) : namePlaceholders(cli.usage(c, o), c ? placeholdersOf(c) : {})),
  };
  try {
    return (await command.validateAndExecute()) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.stderr.write(namePlaceholders(cli.error(error, { colored: colour, command })));
      return 2;
    }
    return reportFailure(error, (text) => ctx.stderr.write(text), ctx.env);
  }
}

/** Entry point of the CLI bundle. */
export async function main(): Promise<void> {
  exitQuietlyOnBrokenPipe(process.stdout, process.stderr);
  process.exitCode = await run(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
}
