// `keytool archive export|list|verify|extract`: `guix archive --export` bundles without a daemon.
import { readFile, stat } from 'node:fs/promises';
import { rmdirSync } from 'node:fs';
import path from 'node:path';
import type { ConfigPaths } from '../../config.js';
import { loadKeyPair, publicKeyFromSexp, signHash } from '../../crypto/index.js';
import { displayable, excerpt } from '../../display.js';
import { KeytoolError } from '../../errors.js';
import { undoOnSignal } from '../../fsutil/cleanup.js';
import { fingerprint, shortFingerprint } from '../../fingerprint.js';
import { findToken, parseSexp, printAdvanced } from '../../sexp/index.js';
import { BundleParser, exportBundle, lacksSignature, orderItems, TROJAN_MESSAGE, type BundleEvent, type BundleItem, type ExportItem } from '../bundle.js';
import { nameProblem, prepareExtractionDir, StagingDir, statTarget, type NarRestorer } from '../restore.js';
import { NarError } from '../errors.js';
import { checkStorePath } from '../storepath.js';
import { judgeSignature, type SignatureVerdict } from '../verdict.js';
import { trustedKeys, type TrustedKeys } from './acl.js';
import { fileError, fileProblem } from '../../fsutil/problem.js';
import { humanBytes, input, inputName, output, Progress, type Streams } from './io.js';

export interface ExportArgs {
  help: boolean;
  key?: string;
  output?: string;
  configDir?: string;
  storeDir?: string;
  /** `--items-from FILE|-`: more groups, one per line (see `itemsFromText`). */
  itemsFrom?: string;
  items: ExportItem[];
}

/** Builds items from their groups, `--store-path P [--reference R]... [--deriver D] DIR`. */
class ItemGroups {
  readonly items: ExportItem[] = [];
  private item: { storePath?: string; references: string[]; deriver?: string } = { references: [] };
  constructor(readonly usage: (m: string) => never) {}

  option(name: string, value: string): void {
    const { item } = this;
    if (name === '--store-path') {
      if (item.storePath !== undefined) this.usage(`--store-path ${excerpt(item.storePath)} has no directory (give it before the next --store-path)`);
      item.storePath = value;
    } else if (name === '--reference') {
      if (item.storePath === undefined) this.usage('--reference must follow the --store-path it belongs to');
      item.references.push(value);
    } else {
      if (item.storePath === undefined) this.usage('--deriver must follow the --store-path it belongs to');
      if (item.deriver !== undefined) this.usage(`--deriver given twice for ${excerpt(item.storePath!)}`);
      item.deriver = value;
    }
  }

  directory(dir: string): void {
    const { item } = this;
    if (item.storePath === undefined) this.usage(`directory ${excerpt(dir)} has no --store-path before it`);
    this.items.push({ storePath: item.storePath!, references: item.references, ...(item.deriver !== undefined ? { deriver: item.deriver } : {}), source: dir });
    this.item = { references: [] };
  }

  /** The last group must have ended with its directory. */
  finish(): void {
    if (this.item.storePath !== undefined) this.usage(`--store-path ${excerpt(this.item.storePath)} has no directory after it`);
  }
}

const GROUP_OPTIONS = new Set(['--store-path', '--reference', '--deriver']);

/** Every option `archive export` takes; its --help shows the command class's declared fields, and test/cli/man.test.ts holds the two equal. */
export const EXPORT_OPTIONS: ReadonlySet<string> = new Set(['-h', '--help', '--key', '-o', '--output', '--config-dir', '--store-dir', '--items-from', ...GROUP_OPTIONS]);

/**
 * The export command line, read by hand because each item is a group of options ending with its
 * directory: `[--key F] [-o F] [--items-from F] --store-path P [--reference R]... [--deriver D] DIR ...`.
 * One pass, linear in the number of arguments (see main.ts for why clipanion does not read them).
 */
export function parseExportArgs(argv: readonly string[]): ExportArgs {
  const args: ExportArgs = { help: false, items: [] };
  const usage = (m: string): never => {
    throw new KeytoolError(`archive export: ${m}`, 2);
  };
  const groups = new ItemGroups(usage);
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let value: string | undefined;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const val = (): string => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v!;
    };
    if (a.startsWith('-') && a !== '-' && !EXPORT_OPTIONS.has(a)) usage(`unknown option ${excerpt(a)}`);
    switch (a) {
      case '-h': case '--help': args.help = true; break;
      case '--key': args.key = val(); break;
      case '-o': case '--output': args.output = val(); break;
      case '--config-dir': args.configDir = val(); break;
      case '--store-dir': args.storeDir = val(); break;
      case '--items-from':
        if (args.itemsFrom !== undefined) usage('--items-from given twice');
        args.itemsFrom = val();
        break;
      default:
        if (GROUP_OPTIONS.has(a)) groups.option(a, val());
        else groups.directory(a);
    }
  }
  groups.finish();
  args.items = groups.items;
  if (!args.help && !args.items.length && args.itemsFrom === undefined) usage('nothing to export: give --store-path PATH DIR for each item, or --items-from FILE');
  return args;
}

/**
 * The groups of an `--items-from` file: one item per line, written as on the command line,
 * `--store-path P [--reference R]... [--deriver D] DIR`, words separated by spaces or tabs; DIR is
 * the rest of the line, so it may hold spaces. Blank lines and lines starting with `#` are
 * skipped; spaces and tabs around a line and a `\r` before its end are ignored. A word starting
 * with `--` is an option: write a directory named so as `./--name`.
 */
export function itemsFromText(text: string, source: string): ExportItem[] {
  let lineNo = 0;
  const groups = new ItemGroups((m) => {
    throw new KeytoolError(`archive export: ${source}, line ${lineNo}: ${m}`, 2);
  });
  const word = /^(\S+)[ \t]*/;
  for (const raw of text.split('\n')) {
    lineNo++;
    let rest = raw.replace(/\r$/, '').replace(/^[ \t]+|[ \t]+$/g, '');
    if (!rest || rest.startsWith('#')) continue;
    while (rest.startsWith('--')) {
      const m = word.exec(rest)!;
      const opt = m[1]!;
      rest = rest.slice(m[0].length);
      const eq = opt.indexOf('=');
      const name = eq > 0 ? opt.slice(0, eq) : opt;
      if (!GROUP_OPTIONS.has(name)) groups.usage(`unknown option ${excerpt(name)} (a line holds --store-path, --reference, --deriver and the directory)`);
      let value: string;
      if (eq > 0) value = opt.slice(eq + 1);
      else {
        const v = word.exec(rest);
        if (!v) return groups.usage(`${name} needs a value`);
        value = v[1]!;
        rest = rest.slice(v[0].length);
      }
      groups.option(name, value);
    }
    if (!rest) groups.usage('the line ends without the directory of its item');
    groups.directory(rest);
  }
  return groups.items;
}
/** The text of an `--items-from` file, or of standard input for `-`. */
async function readItemsFile(file: string, s: Streams): Promise<string> {
  if (file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      throw fileError(e, file, 'read', 'the --items-from file');
    }
  }
  const chunks: Buffer[] = [];
  for await (const c of s.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

export async function archiveExport(args: ExportArgs, paths: ConfigPaths, storeDir: string, s: Streams): Promise<number> {
  let given = args.items;
  if (args.itemsFrom !== undefined) {
    const source = args.itemsFrom === '-' ? 'standard input' : excerpt(args.itemsFrom);
    const more = itemsFromText(await readItemsFile(args.itemsFrom, s), source);
    if (!more.length && !given.length) throw new KeytoolError(`archive export: nothing to export: ${source} holds no items`, 2);
    given = given.concat(more);
  }
  for (const it of given) {
    checkStorePath(it.storePath, storeDir);
    for (const r of it.references) checkStorePath(r, storeDir, 'reference');
    if (it.deriver) checkStorePath(it.deriver, storeDir, 'deriver');
    try {
      await stat(it.source);
    } catch (e) {
      throw new KeytoolError(`cannot archive '${excerpt(it.source)}' (for ${it.storePath}): ${fileProblem(e, it.source)}`);
    }
  }
  const items = orderItems(given);
  const keyFile = args.key ?? paths.secretKey;
  const pair = loadKeyPair(keyFile, (line) => s.stderr.write(`keytool: warning: ${line}\n`));
  const progress = new Progress(s.stderr);
  let bytes = 0;
  let done = 0;
  try {
    await output(
      args.output,
      exportBundle(items, (h) => printAdvanced(signHash(pair, h)), {
        reuseBuffers: true, // output() writes each chunk before pulling the next
        onData: (n) => {
          bytes += n;
          progress.update(() => `exporting item ${done + 1}/${items.length}: ${humanBytes(bytes)}`);
        },
        onItem: () => void done++,
      }),
      s,
      'an archive bundle',
    );
  } finally {
    progress.done();
  }
  return 0;
}

interface SignerInfo {
  fingerprint: string;
  keyType?: string;
  label?: string;
}

function signerOf(item: BundleItem, trust?: TrustedKeys): SignerInfo | undefined {
  if (!item.signature) return undefined;
  try {
    const pub = findToken(parseSexp(item.signature), 'public-key');
    if (!pub) return undefined;
    const info: SignerInfo = { fingerprint: fingerprint(pub) };
    try {
      info.keyType = publicKeyFromSexp(pub).description;
    } catch {
      /* unusable key: fingerprint only */
    }
    const label = trust?.label(info.fingerprint);
    if (label) info.label = label;
    return info;
  } catch {
    return undefined;
  }
}

const signerText = (sg: SignerInfo | undefined): string => (sg ? `${shortFingerprint(sg.fingerprint)}${sg.keyType ? ` ${sg.keyType}` : ''}${sg.label ? ` (${displayable(sg.label)})` : ''}` : '');

async function forEachItem(file: string, s: Streams, storeDir: string, onItem: (item: BundleItem) => void, what: string): Promise<number> {
  const parser = new BundleParser({ storeDir });
  const progress = new Progress(s.stderr);
  let bytes = 0;
  let current = 0;
  try {
    for await (const chunk of input(file, s)) {
      bytes += chunk.length;
      progress.update(() => `${what} item ${current || 1}: ${humanBytes(bytes)}`);
      for (const e of parser.push(chunk)) {
        if (e.type === 'item-start') current = e.index;
        else if (e.type === 'item') {
          progress.done();
          onItem(e.item);
        }
      }
    }
    return parser.end();
  } catch (e) {
    if (e instanceof KeytoolError && current) throw new KeytoolError(`bundle item ${current}: ${e.message}`);
    throw e;
  } finally {
    progress.done();
  }
}

export async function archiveList(file: string, json: boolean, paths: ConfigPaths, storeDir: string, s: Streams): Promise<number> {
  let trust: TrustedKeys | undefined;
  try {
    trust = trustedKeys(paths);
  } catch {
    /* labels only */
  }
  const count = await forEachItem(file, s, storeDir, (item) => {
    const sg = signerOf(item, trust);
    if (json) {
      s.stdout.write(`${JSON.stringify({ index: item.index, storePath: item.storePath, references: item.references, deriver: item.deriver || null, narSize: item.narSize, hash: Buffer.from(item.hash).toString('hex'), signed: item.signature !== undefined, signer: sg?.fingerprint ?? null, keyType: sg?.keyType ?? null, label: sg?.label ?? null })}\n`);
      return;
    }
    // Text lines escape what came from the bundle (the reader already refuses malformed store
    // paths; this keeps the rule where the printing is); --json keeps exact values.
    s.stdout.write(`${displayable(item.storePath)}\n`);
    s.stdout.write(`  references: ${item.references.length ? item.references.map(displayable).join('\n              ') : '(none)'}\n`);
    s.stdout.write(`  deriver:    ${item.deriver ? displayable(item.deriver) : '(none)'}\n`);
    s.stdout.write(`  nar size:   ${item.narSize} bytes\n`);
    s.stdout.write(`  signer:     ${item.signature === undefined ? '(unsigned)' : sg ? signerText(sg) : '(unreadable signature)'}\n`);
  }, 'reading');
  if (!json) s.stderr.write(`${count} item${count === 1 ? '' : 's'}\n`);
  return 0;
}

/** The daemon's verdict on one imported item, with its message. */
export function judgeItem(item: BundleItem, trust: TrustedKeys): { ok: boolean; status: string; message: string; verdict?: SignatureVerdict } {
  if (!item.signature) return { ok: false, status: 'unsigned', message: lacksSignature(item.storePath) };
  const v = judgeSignature(item.signature, item.hash, trust.keys, 'import');
  const fpr = v.fingerprint ? ` ${v.fingerprint}` : '';
  switch (v.status) {
    case 'valid': return { ok: true, status: 'valid', message: 'valid signature', verdict: v };
    case 'corrupt': return { ok: false, status: 'corrupt', message: `corrupt signature data${v.reason ? `: ${v.reason}` : ''}`, verdict: v };
    case 'unauthorized': return { ok: false, status: 'unauthorized', message: `unauthorized public key${fpr} (not in ${trust.source})`, verdict: v };
    case 'invalid': return { ok: false, status: 'invalid', message: `invalid signature${v.reason ? `: ${v.reason}` : ''}`, verdict: v };
    default: return { ok: false, status: 'hash-mismatch', message: TROJAN_MESSAGE, verdict: v };
  }
}

export async function archiveVerify(file: string, json: boolean, paths: ConfigPaths, aclFile: string | undefined, storeDir: string, s: Streams): Promise<number> {
  const trust = trustedKeys(paths, aclFile);
  let failed = 0;
  let count: number;
  try {
    count = await forEachItem(file, s, storeDir, (item) => {
      const r = judgeItem(item, trust);
      if (!r.ok) failed++;
      const sg = signerOf(item, trust);
      if (json) {
        s.stdout.write(`${JSON.stringify({ index: item.index, storePath: item.storePath, status: r.status, message: r.message, signer: sg?.fingerprint ?? null, label: sg?.label ?? null })}\n`);
      } else if (r.ok) {
        s.stdout.write(`ok      ${displayable(item.storePath)}  signed by ${signerText(sg)}\n`);
      } else {
        s.stdout.write(`FAILED  ${displayable(item.storePath)}: ${displayable(r.message)}\n`);
      }
    }, 'verifying');
  } catch (e) {
    if (json && e instanceof KeytoolError) {
      s.stdout.write(`${JSON.stringify({ index: null, storePath: null, status: 'malformed', message: e.message, signer: null, label: null })}\n`);
    }
    throw e;
  }
  if (!json) {
    s.stderr.write(failed ? `keytool: ${failed} of ${count} item${count === 1 ? '' : 's'} failed verification\n` : `${count} item${count === 1 ? '' : 's'} verified (ACL: ${trust.source})\n`);
  }
  return failed ? 1 : 0;
}

/**
 * Verify every item and restore it, all or nothing: items are restored into a private staging
 * directory inside DIR while their hash is computed, and moved to DIR/<store file name> only once
 * every item of the bundle has passed (a signature is always checked before its item leaves the
 * staging directory). Any failure, or a signal, leaves DIR as it was.
 */
export async function archiveExtract(file: string, dir: string, paths: ConfigPaths, aclFile: string | undefined, storeDir: string, s: Streams): Promise<number> {
  const trust = trustedKeys(paths, aclFile);
  const target = prepareExtractionDir(dir);
  // Leave DIR as we found it when it was made for nothing (also after a signal).
  const removeMadeDir = (): void => {
    if (target.created) rmdirIfEmpty(target.path);
  };
  const forgetMadeDir = undoOnSignal(removeMadeDir);
  const parser = new BundleParser({ storeDir });
  const progress = new Progress(s.stderr);
  const staged: { item: BundleItem; name: string; dest: Buffer; shown: string }[] = [];
  const moved: typeof staged = [];
  let staging: StagingDir | undefined;
  let restorer: NarRestorer | undefined;
  let current = 0;
  let bytes = 0;
  let extracted = false;
  const noteItems = (events: readonly BundleEvent[]): void => {
    for (const e of events) if (e.type === 'item-start') current = e.index;
  };
  try {
    staging = StagingDir.create(target.path, '.keytool-extract-', `'${displayable(target.path)}'`);
    for await (const chunk of input(file, s)) {
      bytes += chunk.length;
      progress.update(() => `extracting item ${current || 1}: ${humanBytes(bytes)}`);
      let events: BundleEvent[];
      try {
        events = parser.push(chunk);
      } catch (e) {
        noteItems(parser.pending()); // the item the failure is in, even within one chunk
        throw e;
      }
      for (const e of events) {
        if (e.type === 'item-start') {
          current = e.index;
          restorer = staging.restorer(String(e.index));
        } else if (e.type === 'nar') {
          restorer!.apply(e.event);
        } else {
          const shownPath = displayable(e.item.storePath);
          const r = judgeItem(e.item, trust);
          if (!r.ok) throw new KeytoolError(`${shownPath}: ${r.message}`);
          const name = e.item.storePath.slice(e.item.storePath.lastIndexOf('/') + 1);
          const bad = nameProblem(Buffer.from(name, 'latin1'));
          if (bad) throw new KeytoolError(`cannot extract ${shownPath}: its file name ${bad}`);
          const dest = Buffer.concat([Buffer.from(target.path), Buffer.from('/'), Buffer.from(name, 'latin1')]);
          staged.push({ item: e.item, name: String(e.item.index), dest, shown: path.join(target.path, displayable(name)) });
        }
      }
    }
    parser.end();
    current = 0;
    const dests = new Set<string>();
    for (const { item, dest, shown } of staged) {
      if (dests.has(dest.toString('latin1'))) throw new KeytoolError(`${displayable(item.storePath)} appears twice in the bundle`);
      dests.add(dest.toString('latin1'));
      if (statTarget(dest, shown)) throw new KeytoolError(`'${shown}' already exists; refusing to overwrite it`);
    }
    // Synchronous from here: no signal handler can run between two moves.
    for (const it of staged) {
      staging.moveOut(it.name, it.dest, it.shown, target.known);
      moved.push(it);
    }
    extracted = true;
    for (const { shown } of staged) s.stdout.write(`${shown}\n`);
    s.stderr.write(`${staged.length} item${staged.length === 1 ? '' : 's'} verified and extracted\n`);
    return 0;
  } catch (e) {
    // Nothing half-done: what was already moved goes back to be removed with the rest.
    for (const it of extracted ? [] : [...moved].reverse()) {
      try {
        staging!.moveBack(it.name, it.dest);
      } catch {
        /* gone already */
      }
    }
    // An error in the bundle's bytes names the bundle (namingInput does so for the other commands).
    if (e instanceof NarError && e.offset >= 0 && staging && !extracted) throw new KeytoolError(`${inputName(file)}: ${current ? `bundle item ${current}: ` : ''}${e.message}; nothing extracted`, e.exitCode);
    if (e instanceof KeytoolError && staging && !extracted) throw new KeytoolError(`${current ? `bundle item ${current}: ` : ''}${e.message}; nothing extracted`, e.exitCode);
    throw e;
  } finally {
    progress.done();
    restorer?.abort();
    staging?.remove();
    if (!extracted) removeMadeDir();
    forgetMadeDir();
  }
}

/** Remove `dir` only when it is empty (rmdir refuses otherwise). */
function rmdirIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    /* not empty, or gone: leave it */
  }
}
