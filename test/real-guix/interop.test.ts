// Our files, their programs, and back: keytool's bundles imported by the real daemon (real
// helper) and exported back byte for byte; the daemon's bundles listed, verified and extracted by
// keytool; `keytool nar hash` against `guix hash -S nar`; ACLs written by keytool (the CLI and the
// editor's save) used by the daemon, and ACLs written by `guix archive --authorize` read by keytool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, freshStore, makeConfigDir, startDaemon, stopAll, WORK, type ConfigDir, type Daemon } from './support/daemon.js';
import { addSampleItems, freshStorePath, SAMPLE_TREE, writeTree, type SampleItems } from './support/items.js';
import { inRoot, keytoolArgv, mustRun, onHost } from './support/root.js';
import { configPaths } from '../../src/config.js';
import { readPublicKeyFile } from '../../src/acl/store.js';
import { fileBackend } from '../../src/tui/backend.js';
import { makeEntry } from '../../src/tui/entries.js';
import { Tally } from './support/tally.js';

const tally = new Tally('interop');
let kt: ConfigDir; // key pair made by keytool generate
let gx: ConfigDir; // key pair made by guix archive --generate-key
let daemon: Daemon; // real helper, signs with gx
let items: SampleItems;

beforeAll(async () => {
  await freshStore('root');
  kt = await makeConfigDir('interop-kt', { keys: 'keytool' });
  gx = await makeConfigDir('interop-gx', { keys: 'guix' });
  daemon = await startDaemon({ name: 'interop-gx', config: gx, helper: 'real' });
  items = await addSampleItems(daemon, 'interop');
});
afterAll(async () => {
  await stopAll([daemon]);
  tally.report();
});

const keytool = (...args: string[]) => inRoot(keytoolArgv(...args));
const text = (b: Buffer) => b.toString('utf8').trim();

describe('keytool nar hash and guix hash -S nar', () => {
  it('agree on files, trees, symlinks and store items', async () => {
    writeTree(`${WORK}/hash/tree`, SAMPLE_TREE);
    writeTree(`${WORK}/hash/deep`, { 'a/b/c/d/e': { file: 'deep\n' }, 'a/x': { symlink: 'b/c' }, 'z/y': { file: '', exec: true } });
    writeTree(`${WORK}/hash/files`, { plain: { file: 'plain\n' }, exec: { file: '#!/bin/sh\n', exec: true }, empty: { file: '' } });
    const targets = [`${WORK}/hash/tree`, `${WORK}/hash/deep`, `${WORK}/hash/files/plain`, `${WORK}/hash/files/exec`, `${WORK}/hash/files/empty`, items.tree, items.top];
    for (const target of targets) {
      const theirs = await mustRun(['guix', 'hash', '-S', 'nar', target]);
      const ours = await keytool('nar', 'hash', target);
      expect(ours.stderr).toBe('');
      const same = tally.compare(`nar hash ${target}`, text(ours.stdout), `sha256:${text(theirs.stdout)}`);
      expect(same, `${target}: keytool ${text(ours.stdout)}, guix sha256:${text(theirs.stdout)}`).toBe(true);
    }
  });
});

describe('keytool archive export, then the real daemon', () => {
  it('imports our bundle (ACL by keytool authorize), exports it back byte for byte, refuses it after keytool deauthorize', async () => {
    const lib = freshStorePath('interop-lib');
    const app = freshStorePath('interop-app');
    writeTree(`${WORK}/kt/lib`, SAMPLE_TREE);
    writeTree(`${WORK}/kt/app`, { 'bin/app': { file: `#!/bin/sh\nexec ${lib}/bin/hello\n`, exec: true } });
    const bundle = await mustRun(
      keytoolArgv('archive', 'export', '--key', `${kt.dir}/signing-key.sec`, '--store-path', app, '--reference', lib, `${WORK}/kt/app`, '--store-path', lib, `${WORK}/kt/lib`),
    );
    const importer = await makeConfigDir('interop-importer');
    await mustRun(keytoolArgv('authorize', '--config-dir', importer.dir, `${kt.dir}/signing-key.pub`));
    let real: Daemon | undefined;
    let signer: Daemon | undefined;
    try {
      real = await startDaemon({ name: 'interop-importer', config: importer, helper: 'real' });
      const imported = await real.guix(['archive', '--import'], { input: bundle.stdout });
      expect(imported.stderr).toBe('');
      expect(imported.status).toBe(0);
      // A daemon signing with the same key pair exports what keytool wrote.
      signer = await startDaemon({ name: 'interop-kt', config: kt, helper: 'real' });
      const back = await signer.guix(['archive', '--export', lib, app]);
      expect(back.status, back.stderr).toBe(0);
      expect(tally.compare('keytool export = daemon export', bundle.stdout, back.stdout), 'the daemon exports other bytes than keytool archive export wrote').toBe(true);

      // keytool deauthorize: the daemon refuses a new bundle from that key, as keytool archive verify does.
      await mustRun(keytoolArgv('deauthorize', '--config-dir', importer.dir, `${kt.dir}/signing-key.pub`));
      const other = freshStorePath('interop-other');
      const second = await mustRun(keytoolArgv('archive', 'export', '--key', `${kt.dir}/signing-key.sec`, '--store-path', other, `${WORK}/kt/lib`));
      await stopAll([real]);
      real = await startDaemon({ name: 'interop-importer', config: importer, helper: 'real' });
      const refused = await real.guix(['archive', '--import'], { input: second.stdout });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('unauthorized public key');
      const ours = await inRoot(keytoolArgv('archive', 'verify', '--config-dir', importer.dir, '-'), { input: second.stdout });
      tally.compare('verdict after deauthorize', String(ours.status !== 0), String(refused.status !== 0));
      expect(ours.status).not.toBe(0);
    } finally {
      await stopAll([real, signer]);
    }
  });
});

describe("the editor's save, then the real daemon", () => {
  it('imports a bundle once the editor has added its key, and refuses one once it has removed it', async () => {
    const importer = await makeConfigDir('interop-editor');
    // What pressing a, the key file, Enter, then s and y does: the editor's own backend, on the
    // importer's configuration directory in the root.
    const backend = fileBackend(configPaths(onHost(importer.dir)));
    const pub = onHost(`${kt.dir}/signing-key.pub`);
    const first = backend.load().snapshot;
    const added = { keys: [makeEntry(readPublicKeyFile(pub), { kind: 'file', path: pub }), ...first.doc.keys], labels: { ...first.doc.labels } };
    backend.save(first.doc, added, first.digest);
    writeTree(`${WORK}/kt/editor`, SAMPLE_TREE);
    const bundle = async (name: string) => (await mustRun(keytoolArgv('archive', 'export', '--key', `${kt.dir}/signing-key.sec`, '--store-path', freshStorePath(name), `${WORK}/kt/editor`))).stdout;
    let real: Daemon | undefined;
    try {
      real = await startDaemon({ name: 'interop-editor', config: importer, helper: 'real' });
      const accepted = await real.guix(['archive', '--import'], { input: await bundle('interop-editor-1') });
      expect(accepted.stderr).toBe('');
      tally.compare('editor-added key: the daemon imports', String(accepted.status), '0');
      await stopAll([real]);
      const now = backend.load().snapshot;
      backend.save(now.doc, { keys: now.doc.keys.filter((k) => !added.keys.slice(0, 1).some((a) => a.fpr === k.fpr)), labels: { ...now.doc.labels } }, now.digest);
      real = await startDaemon({ name: 'interop-editor', config: importer, helper: 'real' });
      const refused = await real.guix(['archive', '--import'], { input: await bundle('interop-editor-2') });
      expect(refused.stderr).toContain('unauthorized public key');
      tally.compare('editor-removed key: the daemon refuses', String(refused.status !== 0), 'true');
    } finally {
      await stopAll([real]);
    }
  });
});

describe("the real daemon's bundles, then keytool", () => {
  it('keytool archive list, verify (ACL by guix archive --authorize) and extract', async () => {
    const reader = await makeConfigDir('interop-reader');
    await authorize(reader, [gx]);
    const bundle = (await daemon.guix(['archive', '--export', '-r', items.top])).stdout;
    const closure = text((await daemon.guix(['gc', '-R', items.top])).stdout).split('\n').sort();

    const listed = await inRoot(keytoolArgv('archive', 'list', '--json', '--config-dir', reader.dir, '-'), { input: bundle });
    expect(listed.status, listed.stderr).toBe(0);
    const paths = text(listed.stdout).split('\n').map((l) => (JSON.parse(l) as { path?: string; storePath?: string }).path ?? (JSON.parse(l) as { storePath?: string }).storePath);
    tally.compare('archive list = guix gc -R', JSON.stringify([...paths].sort()), JSON.stringify(closure));
    expect([...paths].sort()).toEqual(closure);

    const verified = await inRoot(keytoolArgv('archive', 'verify', '--config-dir', reader.dir, '-'), { input: bundle });
    expect(verified.status, verified.stderr + verified.stdout.toString()).toBe(0);

    const out = `${WORK}/extracted`;
    await mustRun(['rm', '-rf', out]);
    await mustRun(['mkdir', '-p', out]);
    const extracted = await inRoot(keytoolArgv('archive', 'extract', '--config-dir', reader.dir, '-', out), { input: bundle });
    expect(extracted.status, extracted.stderr).toBe(0);
    for (const item of closure) {
      const theirs = text((await mustRun(['guix', 'hash', '-S', 'nar', item])).stdout);
      const ours = text((await keytool('nar', 'hash', `${out}/${item.slice('/gnu/store/'.length)}`)).stdout);
      expect(tally.compare(`extracted ${item}`, ours, `sha256:${theirs}`), `${item} extracted differently`).toBe(true);
    }
  });

  it('keytool list reads the ACL guix archive --authorize wrote', async () => {
    const acl = await makeConfigDir('interop-acl');
    await authorize(acl, [gx, kt]);
    const listed = JSON.parse((await mustRun(keytoolArgv('list', '--json', '--config-dir', acl.dir))).stdout.toString()) as { keys: { fingerprint: string; usable: boolean }[] };
    const expected: string[] = [];
    for (const key of [gx, kt]) {
      const shown = JSON.parse((await mustRun(keytoolArgv('show', '--json', `${key.dir}/signing-key.pub`))).stdout.toString()) as { fingerprint: string };
      expected.push(shown.fingerprint);
    }
    tally.compare('keytool list of a guix-written ACL', JSON.stringify(listed.keys.map((k) => k.fingerprint).sort()), JSON.stringify(expected.sort()));
    expect(listed.keys.map((k) => k.fingerprint).sort()).toEqual(expected.sort());
    expect(listed.keys.every((k) => k.usable)).toBe(true);
  });
});
