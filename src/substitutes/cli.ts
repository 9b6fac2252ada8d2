// `keytool substitutes check`: items checked --jobs at a time, one verdict line per item as it is
// done (JSON Lines with --json), a summary on stderr, progress on stderr only when it is a
// terminal, and with --state a record of the items found good, so an interrupted run over a
// mirror's thousands resumes where it stopped.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { ConfigPaths } from '../config.js';
import { displayable } from '../display.js';
import { KeytoolError } from '../errors.js';
import { undoOnSignal } from '../fsutil/cleanup.js';
import { trustedKeys } from '../nar/cli/acl.js';
import { verdictLine } from '../nar/cli/narinfo.js';
import { humanBytes, Progress, type Streams } from '../nar/cli/io.js';
import { storeDir } from '../nar/storepath.js';
import { checkItem, type ItemVerdict } from './check.js';
import { HttpClient } from './http.js';
import { items as itemsOf, type Item } from './sources.js';
import { trustedCertificates } from './tls.js';
import { fileProblem } from '../fsutil/problem.js';

export interface CheckCommandOptions {
  sources: string[];
  itemsFrom?: string;
  contents: boolean;
  json: boolean;
  acl?: string;
  caFile?: string;
  jobs: number;
  timeoutSeconds: number;
  retries: number;
  maxRedirects: number;
  state?: string;
}

/** Items already found valid in the state file (one JSON object per line, as --json prints). */
function readState(file: string): Set<string> {
  const done = new Set<string>();
  if (!existsSync(file)) return done;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new KeytoolError(`cannot read the state file ${displayable(file)}: ${fileProblem(e, file)}`, 2);
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as { item?: unknown; status?: unknown };
      if (typeof r.item === 'string' && r.status === 'valid') done.add(r.item);
    } catch {
      // a line cut by an interruption: that item is checked again
    }
  }
  return done;
}

/** The nars a valid item's line lists after its signer: `; nars checked: gzip 1.2 MiB, ...`. */
function narsChecked(v: ItemVerdict): string {
  if (!v.nars) return '';
  return `; nar${v.nars.length === 1 ? '' : 's'} checked: ${v.nars.map((n) => `${displayable(n.compression)} ${humanBytes(n.narBytes)}`).join(', ')}`;
}

export async function substitutesCheck(o: CheckCommandOptions, paths: ConfigPaths, s: Streams): Promise<number> {
  const trust = trustedKeys(paths, o.acl);
  const ca = trustedCertificates(o.caFile, s.env);
  const http = new HttpClient({ timeoutMs: o.timeoutSeconds * 1000, maxRedirects: o.maxRedirects, retries: o.retries, backoffMs: 500, sockets: o.jobs, ca });
  const dir = storeDir(s.env);
  const done = o.state ? readState(o.state) : new Set<string>();
  const counts = new Map<string, number>();
  let total = 0;
  let skipped = 0;
  let failures = 0;
  let bytes = 0;
  const started = Date.now();
  const progress = new Progress(s.stderr);
  const show = (force = false): void => progress.update(() => {
    const secs = Math.max((Date.now() - started) / 1000, 0.001);
    return `checked ${total} item${total === 1 ? '' : 's'}, ${failures} failed, ${humanBytes(bytes)} at ${humanBytes(Math.round(bytes / secs))}/s`; // whole bytes: a slow start is not 59.78260869565217 B/s
  }, force);
  const ticker = s.stderr.isTTY ? setInterval(() => show(true), 500) : undefined;
  // ^C (or a kill) ends the run at once: every verdict recorded so far is a whole line of the
  // state file, so the same command goes on from there. Say so, instead of a stale progress line.
  const forget = undoOnSignal(() => {
    progress.done();
    const resume = o.state ? `; run the same command to go on: the items found valid are in ${displayable(o.state)}` : '';
    s.stderr.write(`keytool: substitutes check: interrupted after ${total} item${total === 1 ? '' : 's'} checked${resume}\n`);
  });
  const source = itemsOf(o.sources, o.itemsFrom, dir, s.stdin);
  let next = (): Promise<IteratorResult<Item>> => source.next();

  const worker = async (): Promise<void> => {
    for (;;) {
      const r = await next();
      if (r.done) return;
      const item = r.value;
      if (done.has(item.name)) {
        skipped++;
        continue;
      }
      const v = await checkItem(item, { keys: trust.keys, storeDir: dir, contents: o.contents, http, onBytes: (n) => { bytes += n; show(); } });
      total++;
      counts.set(v.status, (counts.get(v.status) ?? 0) + 1);
      if (v.status !== 'valid') failures++;
      const label = v.fingerprint ? trust.label(v.fingerprint) : undefined;
      progress.done();
      if (o.json) {
        s.stdout.write(`${JSON.stringify({ item: v.item, status: v.status, message: v.message, storePath: v.storePath ?? null, url: v.url ?? null, host: v.host ?? null, signer: v.fingerprint ?? null, label: label ?? null, reason: v.reason ?? null, nars: v.nars ?? null })}\n`);
      } else s.stdout.write(verdictLine(v.item, v, label, narsChecked(v)));
      if (o.state) appendFileSync(o.state, `${JSON.stringify({ item: v.item, status: v.status })}\n`);
      show(true);
    }
  };
  try {
    // One item source shared by the workers; a failure reading it (a bad items file) ends them all.
    let failed: unknown;
    const shared = next;
    next = () => (failed ? Promise.resolve({ done: true, value: undefined }) : shared().catch((e: unknown) => {
      failed ??= e;
      return { done: true, value: undefined };
    }));
    await Promise.all(Array.from({ length: o.jobs }, worker));
    if (failed) throw failed;
  } finally {
    forget();
    if (ticker) clearInterval(ticker);
    progress.done();
    http.close();
  }
  if (!o.json) {
    const summary = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
    const resumed = skipped ? `, ${skipped} skipped (valid in ${displayable(o.state!)})` : '';
    const what = o.contents ? 'narinfos and nars' : 'narinfos';
    s.stderr.write(`${total} item${total === 1 ? '' : 's'} checked (${what}): ${summary || 'none'}${resumed} (ACL: ${displayable(trust.source)})\n`);
  }
  return failures ? 1 : 0;
}
