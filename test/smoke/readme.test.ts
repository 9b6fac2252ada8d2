// Every ```sh block of README.md runs, in order, exactly as printed: a reader who copies them must
// get what the text says. One bash session per `##` section (its `###` subsections included), so a
// block sees the `cd`, exports and files of the blocks before it; each session starts afresh in a
// scratch directory laid out as the checkout the README speaks from (bin/ and man/ linked,
// keys-example/ copied), with a scratch HOME, no git identity, and the checkout's bin/ first in PATH.
//
// An HTML comment on the line before a block's fence says how the test treats it:
//   <!-- not run: REASON -->            skipped (the network, root on a real machine, a terminal)
//   <!-- exits N: REASON -->            its last line is expected to fail with status N (the block
//                                       runs in a subshell, so only its files carry on)
//   <!-- continues the section above: REASON -->  this section joins the session of the one before
// Any other comment there fails the test, so a typo cannot turn a check off. Blocks run under
// `set -e`; a failing line is reported with its README line number.
//
// The README writes to /tmp/kt and makes gpg homes with mktemp: as root (CI) or where user
// namespaces are allowed, each session runs in a private mount namespace with a scratch directory
// bound over /tmp (the checkout bound back at its own path when it lies under /tmp), so nothing
// outside the run is touched; otherwise it shares /tmp, and /tmp/kt is
// removed at the end, as the README's own first line would.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TMP_ROOT } from '../support/oracle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const base = path.join(TMP_ROOT, `readme-${process.pid}`);

type Marker = { kind: 'run' } | { kind: 'not-run'; reason: string } | { kind: 'exits'; status: number } | { kind: 'continues' };
interface Block { line: number; text: string[]; marker: Marker }
interface Session { title: string; blocks: Block[] }

function parseMarker(comment: string | undefined, line: number): Marker {
  if (comment === undefined || !comment.startsWith('<!--')) return { kind: 'run' };
  const m = /^<!-- (not run|exits (\d+)|continues the section above): (.+) -->$/.exec(comment);
  if (!m) throw new Error(`README.md:${line}: unknown test marker ${comment}`);
  if (m[1] === 'not run') return { kind: 'not-run', reason: m[3]! };
  if (m[2] !== undefined) return { kind: 'exits', status: Number(m[2]) };
  return { kind: 'continues' };
}

/** The README's sh blocks, grouped into shell sessions. */
function readmeSessions(text: string): Session[] {
  const lines = text.split('\n');
  const sessions: Session[] = [];
  let current: Session = { title: '(top)', blocks: [] };
  sessions.push(current);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^#{1,2} /.test(l)) {
      current = { title: l.replace(/^#+ /, ''), blocks: [] };
      sessions.push(current);
    } else if (l.startsWith('```')) {
      const start = i;
      let end = i + 1;
      while (end < lines.length && lines[end] !== '```') end++;
      if (l === '```sh') {
        const marker = parseMarker(lines[start - 1], start);
        if (marker.kind === 'continues') {
          if (current.blocks.length > 0) throw new Error(`README.md:${start + 1}: only a section's first block may continue the section above`);
          sessions.pop();
          sessions[sessions.length - 1]!.blocks.push({ line: start + 2, text: lines.slice(start + 1, end), marker: { kind: 'run' } });
          current = sessions[sessions.length - 1]!;
        } else {
          current.blocks.push({ line: start + 2, text: lines.slice(start + 1, end), marker });
        }
      } else if (lines[start - 1]?.startsWith('<!--')) {
        throw new Error(`README.md:${start}: a test marker before a block that is not sh`);
      }
      i = end;
    }
  }
  return sessions.filter((s) => s.blocks.some((b) => b.marker.kind !== 'not-run'));
}

const ERR_TRAP = `trap 'echo "err $? $LINENO" >&3' ERR`;

/** The session's bash script, and for each script line the README line it came from. */
function sessionScript(s: Session): { script: string; readmeLine: Map<number, number>; lastLine: Map<number, number> } {
  const out: string[] = [
    // Test set-up, not from the README: statuses on fd 3, and a gpg home in the temp directory
    // (its socket path must be short); whatever gpg home the README left is stopped and removed.
    'exec 3>>"$1"',
    'export GNUPGHOME=$(mktemp -d)',
    `trap 'gpgconf --kill all >/dev/null 2>&1; case $GNUPGHOME in /tmp/*) rm -rf "$GNUPGHOME";; esac' EXIT`,
    ERR_TRAP,
    'set -e',
  ];
  const readmeLine = new Map<number, number>();
  const lastLine = new Map<number, number>();
  s.blocks.forEach((b, k) => {
    if (b.marker.kind === 'not-run') return;
    out.push(`echo "begin ${k}" >&3`);
    const sub = b.marker.kind === 'exits';
    if (sub) out.push('trap - ERR', 'set +e', '(', ERR_TRAP, 'set -e');
    b.text.forEach((t, j) => {
      out.push(t);
      readmeLine.set(out.length, b.line + j);
    });
    lastLine.set(k, out.length);
    if (sub) out.push(')', `echo "end ${k} $?" >&3`, 'set -e', ERR_TRAP);
    else out.push(`echo "end ${k} 0" >&3`);
  });
  return { script: out.join('\n') + '\n', readmeLine, lastLine };
}

const sessions = readmeSessions(readFileSync(path.join(root, 'README.md'), 'utf8'));
/** How sessions get a /tmp of their own: unshare as root, or in a user namespace; else none. */
let isolate: string[] | undefined;

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'cli', 'keytool.mjs'))) spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  mkdirSync(base, { recursive: true });
  const args = process.getuid?.() === 0 ? ['-m'] : ['-r', '-m'];
  if (spawnSync('unshare', [...args, 'sh', '-c', `mount --bind "${base}" /tmp`]).status === 0) isolate = args;
});

afterAll(() => {
  if (!isolate) rmSync('/tmp/kt', { recursive: true, force: true });
  rmSync(base, { recursive: true, force: true });
});

describe('README.md, every sh block as printed', () => {
  it('has sessions to run, and markers the test knows', () => {
    expect(sessions.map((s) => s.title)).toContain('Archives and narinfos without a daemon');
  });

  it.each(sessions.map((s, i) => [s.title, i] as const))('%s', (title, i) => {
    const s = sessions[i]!;
    const dir = path.join(base, `session-${i}`);
    const work = path.join(dir, 'work');
    const home = path.join(dir, 'home');
    const tmp = path.join(dir, 'tmp');
    for (const d of [work, home, tmp]) mkdirSync(d, { recursive: true, mode: 0o755 });
    symlinkSync(path.join(root, 'bin'), path.join(work, 'bin'));
    symlinkSync(path.join(root, 'man'), path.join(work, 'man'));
    cpSync(path.join(root, 'keys-example'), path.join(work, 'keys-example'), { recursive: true });
    const { script, readmeLine, lastLine } = sessionScript(s);
    const file = path.join(dir, 'session.sh');
    const statusFile = path.join(dir, 'status');
    writeFileSync(file, script);
    writeFileSync(statusFile, '');
    const env: NodeJS.ProcessEnv = {
      PATH: `${path.join(root, 'bin')}:${process.env.PATH}`,
      HOME: home,
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      GIT_CONFIG_NOSYSTEM: '1',
    };
    // A checkout under /tmp (a CI clone may be) would vanish under the scratch /tmp: bind it at its
    // own path inside that scratch first, and carry the bind over with --rbind.
    const underTmp = path.relative('/tmp', root);
    const keep = underTmp.startsWith('..') || path.isAbsolute(underTmp) ? '' : underTmp;
    const command = isolate
      ? ['unshare', [...isolate, 'sh', '-c', 'if [ -n "$3" ]; then mkdir -p "$0/$3" && mount --bind "$4" "$0/$3" || exit 1; fi; mount --rbind "$0" /tmp && exec bash "$1" "$2"', tmp, file, statusFile, keep, root]] as const
      : ['bash', [file, statusFile]] as const;
    const r = spawnSync(command[0], [...command[1]], { cwd: work, env, encoding: 'utf8', timeout: 60_000 });
    const records = readFileSync(statusFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
    const where = (scriptLine: number) => `README.md:${readmeLine.get(scriptLine) ?? '?'}`;
    const context = `\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
    let pendingErr: string[] | undefined;
    s.blocks.forEach((b, k) => {
      if (b.marker.kind === 'not-run') return;
      const begin = records.findIndex((x) => x[0] === 'begin' && x[1] === String(k));
      const end = records.findIndex((x) => x[0] === 'end' && x[1] === String(k));
      const errs = records.slice(begin + 1, end < 0 ? undefined : end).filter((x) => x[0] === 'err');
      pendingErr = errs[0];
      if (begin < 0) throw new Error(`${title}: block at README.md:${b.line} never ran${context}`);
      if (b.marker.kind === 'exits') {
        const want = `README.md:${b.line}: ends with status ${b.marker.status} at ${where(lastLine.get(k)!)}`;
        const got = end < 0 ? 'never ended' : `README.md:${b.line}: ends with status ${records[end]![2]} at ${errs[0] ? where(Number(errs[0][2])) : 'no failing line'}`;
        expect(got, context).toBe(want);
      } else if (end < 0) {
        const failed = pendingErr ? `${where(Number(pendingErr[2]))} failed with status ${pendingErr[1]}` : `ended the shell (status ${r.status}, signal ${r.signal})`;
        throw new Error(`${title}: block at README.md:${b.line}: ${failed}${context}`);
      }
    });
    expect(r.status, context).toBe(0);
  });
});

describe('README.md, its install line', () => {
  it('names every Debian package .ci/run installs for the suite (the tier\'s debootstrap has its own line)', () => {
    const ci = readFileSync(path.join(root, '.ci', 'run'), 'utf8');
    const need = /^need=\(([^)]*)\)/m.exec(ci)![1]!.split(/\s+/).filter(Boolean).filter((p) => p !== 'debootstrap');
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('apt-get update && apt-get install') && l.endsWith('npm ci && npm test'))!;
    expect(line, 'the README\'s test command').toBeDefined();
    expect(line.split(/\s+/)).toEqual(expect.arrayContaining(need));
    expect(readme).toMatch(/apt-get install -y --no-upgrade debootstrap && npm run test:guix/);
  });
});
