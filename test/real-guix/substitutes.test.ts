// `keytool substitutes check` against the real `guix publish` (127.0.0.1): for each compression
// method it offers, every item checks out, narinfo and nar (`--contents`), and the real substituter
// agrees: it lists the item (`guix substitute --query`) and substitutes it (`guix substitute
// --substitute`, the download, decompression, restore and hash check guix-daemon has it do). Then
// publish's `--cache` directory, and a static mirror copied from it with one nar tampered with:
// ours says nar-hash-mismatch, and the real substituter, downloading it, replies hash-mismatch.
// keytool runs on the host (the root has no `zstd` or `lzip` programs, which it decompresses with);
// the servers listen on 127.0.0.1, which the root shares.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, emptyDir, makeConfigDir, WORK, type ConfigDir, type Daemon } from './support/daemon.js';
import { hashPart, sampleItemList, type SampleItems } from './support/items.js';
import { onHost } from './support/root.js';
import { publishedStore, serveDirectory, startPublish, substituterVerdicts, substitutions, type Publish } from './support/substitutes.js';
import { Tally } from './support/tally.js';
import { keytoolAsync } from '../cli/support/run.js';

/** `guix publish --compression` for each method it offers (as its --help and source say). */
const METHODS: [name: string, option: string][] = [
  ['none', '0'],
  ['gzip', 'gzip'],
  ['lzip', 'lzip'],
  ['zstd', 'zstd'],
];

const tally = new Tally('substitutes');
let daemon: Daemon;
let items: SampleItems;
let publisher: ConfigDir;
let client: ConfigDir;
const allItems = () => sampleItemList(items);

interface OurVerdict {
  item: string;
  status: string;
  message: string;
  storePath?: string;
  nars: { compression: string; status: string; narBytes: number }[] | null;
}

/** `keytool substitutes check --contents --json ARGS` on the host, trusting the client's ACL. */
async function ourCheck(args: string[]): Promise<{ status: number; verdicts: OurVerdict[]; stderr: string }> {
  const r = await keytoolAsync(['substitutes', 'check', '--contents', '--json', '--timeout', '20', '--acl', onHost(`${client.dir}/acl`), ...args]);
  return { status: r.status, verdicts: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as OurVerdict), stderr: r.stderr };
}

/** Our verdict by store path (the item each line names, or the store path its narinfo describes). */
function byItem(verdicts: OurVerdict[]): Map<string, OurVerdict> {
  const found = new Map<string, OurVerdict>();
  for (const v of verdicts) {
    const item = allItems().find((p) => v.storePath === p || v.item.includes(hashPart(p)));
    if (item) found.set(item, v);
  }
  return found;
}

/** The real substituter's view of each item: listed (query) and substituted (download and hash). */
async function theirVerdicts(url: string, paths: readonly string[]): Promise<Map<string, string>> {
  const [listed, substituted] = await Promise.all([substituterVerdicts(url, client, paths), substitutions(url, client, paths)]);
  return new Map(paths.map((p) => [p, listed.get(p) === 'valid' && substituted.get(p) === 'success' ? 'valid' : `refused (query: ${listed.get(p)}, substitution: ${substituted.get(p)})`]));
}

/**
 * A narinfo of publish's with only its uncompressed nar: the other URL, Compression and FileSize
 * groups dropped (they are outside the signed text, for Guix and for us).
 */
function onlyUncompressed(narinfo: string): string {
  const lines = narinfo.split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('URL: ')) {
      kept.push(lines[i]!);
      continue;
    }
    const group = [lines[i]!];
    while (/^(Compression|FileSize|FileHash): /.test(lines[i + 1] ?? '')) group.push(lines[++i]!);
    if (group.includes('Compression: none')) kept.push(...group);
  }
  return kept.join('\n');
}

/** Ours as the substituter's words: valid, or refused with our status. */
const ourWord = (v: OurVerdict | undefined): string => (v?.status === 'valid' ? 'valid' : `refused (${v?.status ?? 'no verdict'})`);

beforeAll(async () => {
  ({ publisher, daemon, items } = await publishedStore('substitutes'));
  client = await makeConfigDir('substitutes-client');
  await authorize(client, [publisher]);
});

afterAll(async () => {
  tally.report();
  await daemon?.stop();
});

describe('keytool substitutes check --contents against guix publish, as the real substituter takes it', () => {
  it.each(METHODS)('compression %s, nars compressed as they are sent', async (name, option) => {
    const publish = await startPublish(daemon, publisher, [option]);
    try {
      const [ours, theirs] = await Promise.all([ourCheck([publish.url, ...allItems()]), theirVerdicts(publish.url, allItems())]);
      const mine = byItem(ours.verdicts);
      for (const item of allItems()) {
        tally.compare(`publish -C ${name}: ${item}`, ourWord(mine.get(item)), theirs.get(item)!);
        expect(theirs.get(item), `the real substituter on ${item} (-C ${name})`).toBe('valid');
        expect(mine.get(item), `keytool substitutes check on ${item} (-C ${name}):\n${ours.stderr}`).toMatchObject({ status: 'valid', nars: [{ compression: name, status: 'valid' }] });
      }
      expect(ours.status).toBe(0);
    } finally {
      await publish.stop();
    }
  });

  it('every method at once, from the --cache directory and over HTTP; a static mirror copy with a tampered nar', async () => {
    const cache = emptyDir(`${WORK}/substitutes/cache`);
    const publish: Publish = await startPublish(daemon, publisher, METHODS.map(([, o]) => o), { cache });
    try {
      // With --cache, publish answers 404 while it bakes a narinfo and its nars in the background.
      const deadline = Date.now() + 60_000;
      for (const item of allItems()) {
        while ((await publish.get(`/${hashPart(item)}.narinfo`)).status !== 200) {
          if (Date.now() > deadline) throw new Error(`guix publish --cache did not bake ${item} within 60 s`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      const [overHttp, cacheItems, cacheWalk, theirs] = await Promise.all([
        ourCheck([publish.url, ...allItems()]),
        ourCheck([onHost(cache), ...allItems()]),
        // Without items: each item once, though the cache keeps its narinfo once per compression.
        ourCheck([onHost(cache)]),
        theirVerdicts(publish.url, allItems()),
      ]);
      for (const [source, ours] of [['over HTTP', overHttp], ['cache directory, items named', cacheItems], ['cache directory, walked', cacheWalk]] as const) {
        const mine = byItem(ours.verdicts);
        expect(ours.verdicts, `${source}: one verdict per item`).toHaveLength(allItems().length);
        for (const item of allItems()) {
          tally.compare(`publish --cache (${source}): ${item}`, ourWord(mine.get(item)), theirs.get(item)!);
          expect(theirs.get(item), `the real substituter on ${item} (--cache)`).toBe('valid');
          expect(mine.get(item)?.status, `keytool substitutes check on ${item} (${source}):\n${ours.stderr}`).toBe('valid');
          expect(mine.get(item)?.nars?.map((n) => `${n.compression} ${n.status}`).sort()).toEqual(METHODS.map(([m]) => `${m} valid`).sort());
        }
      }

      // A static mirror, laid out as the server's URLs are (HASH.narinfo, nar/NAME), of the
      // uncompressed nars; in one of them a byte of file content changed (same size).
      const mirror = emptyDir(`${WORK}/substitutes/mirror`);
      const tampered = items.one;
      for (const item of allItems()) {
        const name = path.posix.basename(item);
        const narinfo = onlyUncompressed(readFileSync(onHost(`${cache}/none/${name}.narinfo`), 'utf8'));
        const url = /^URL: (.*)$/m.exec(narinfo)![1]!;
        writeFileSync(onHost(`${mirror}/${hashPart(item)}.narinfo`), narinfo);
        mkdirSync(path.dirname(onHost(`${mirror}/${url}`)), { recursive: true });
        copyFileSync(onHost(`${cache}/none/${name}.nar`), onHost(`${mirror}/${url}`));
        if (item === tampered) {
          const nar = readFileSync(onHost(`${mirror}/${url}`));
          const at = nar.indexOf('one file');
          expect(at).toBeGreaterThan(0);
          nar[at] = 'O'.charCodeAt(0);
          writeFileSync(onHost(`${mirror}/${url}`), nar);
        }
      }
      expect(readdirSync(onHost(`${mirror}/nar`)).length).toBeGreaterThan(0);
      const server = await serveDirectory(mirror);
      try {
        const [ourDir, ourHttp, theirMirror] = await Promise.all([ourCheck([onHost(mirror), ...allItems()]), ourCheck([server.url, ...allItems()]), substitutions(server.url, client, allItems())]);
        for (const [source, ours] of [['mirror directory', ourDir], ['mirror over HTTP', ourHttp]] as const) {
          const mine = byItem(ours.verdicts);
          for (const item of allItems()) {
            const want = item === tampered ? 'nar-hash-mismatch' : 'valid';
            const real = theirMirror.get(item)!;
            tally.compare(`static mirror (${source}): ${item}`, mine.get(item)?.status === 'valid' ? 'success' : mine.get(item)?.status === 'nar-hash-mismatch' ? 'hash-mismatch' : `ours: ${mine.get(item)?.status}`, real);
            expect(real, `the real substituter on ${item} from the mirror`).toBe(item === tampered ? 'hash-mismatch' : 'success');
            expect(mine.get(item)?.status, `keytool substitutes check on ${item} (${source}): ${mine.get(item)?.message}`).toBe(want);
          }
          expect(ours.status).toBe(1);
        }
      } finally {
        await server.close();
      }
    } finally {
      await publish.stop();
    }
  });
});
