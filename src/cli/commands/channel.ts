// `keytool git channel init|introduction`, `keytool git committer add|remove` and
// `keytool git pre-push`: the channel author's workflows that Guix leaves to hand work.
import { Command, Option, UsageError } from 'clipanion';
import { gitIo, repositoryOption } from './git.js';
const keyringOption = () => Option.String('-k,--keyring', { description: 'keyring branch (default: configured, else "keyring")' });
const channelNameOption = () => Option.String('--name', { description: 'channel name in the printed `channel` form (default: the directory name)' });
const urlOption = () => Option.String('--url', { description: 'channel URL in the printed `channel` form (default: remote.origin.url)' });
const jsonOption = () => Option.Boolean('--json', false, { description: 'print the introduction as JSON' });

export class GitChannelInitCommand extends Command {
  static override paths = [['git', 'channel', 'init']];
  static override usage = Command.Usage({
    category: 'Channels',
    description: 'start an authenticated channel: keyring branch, `.guix-authorizations`, signed introduction',
    details: `
      In the repository (which may have no commit yet), puts each committer's OpenPGP key on the keyring branch (created if missing; a key already there is replaced by the new export, nothing is deleted), writes \`.guix-authorizations\` naming the key each of them signs with, commits it on the current branch signed with the \`--sign\` key (default: the first key), checks that commit as \`guix git authenticate\` would, and prints the channel introduction: a \`channel\` form for channels.scm and the commit and signer alone. The work tree and the index change only for \`.guix-authorizations\`; the keyring branch is never checked out. The introduction is recorded in the repository's configuration and the \`pre-push\` and \`post-merge\` hooks are installed, as after \`keytool git authenticate\`.

      Keys come from gpg by fingerprint (\`--key\`, exported with \`gpg --armor --export\`) or from key files (\`--key-file\`, binary or armored). When a key has signing subkeys, the newest valid one is authorized, as gpg signs with it. \`--json\` prints the introduction as JSON.
    `,
    examples: [
      ['Start a channel with one committer whose key is in gpg', '$0 git channel init --key "CCB8 1842 F9D7 058E CD67  377A BF5C DF4D F6BF 6682"'],
      ['Two committers, signed by the first, with the URL users will pull from', '$0 git channel init --key ALICE-FPR --key-file bob.asc --url https://example.org/my-channel.git'],
    ],
  });

  repository = repositoryOption();
  keys = Option.Array('--key', [], { description: 'fingerprint of a committer key in gpg (repeatable)' });
  keyFiles = Option.Array('--key-file', [], { description: 'file holding a committer key (repeatable)' });
  sign = Option.String('--sign', { description: 'key to sign the introduction with (default: the first key)' });
  keyring = keyringOption();
  name = channelNameOption();
  url = urlOption();
  json = jsonOption();

  async execute(): Promise<number> {
    const { channelInit } = await import('../../channel/cli.js');
    const { repository, keys, keyFiles, sign, keyring, name, url, json } = this;
    return channelInit(gitIo(this), { repository, keys, keyFiles, sign, keyring, name, url, json });
  }
}

export class GitChannelIntroductionCommand extends Command {
  static override paths = [['git', 'channel', 'introduction']];
  static override usage = Command.Usage({
    category: 'Channels',
    description: "find and check a channel's introduction and print it for channels.scm",
    details: `
      Finds the commit that introduced \`.guix-authorizations\` in the history of COMMIT (default: HEAD), checks that it is signed by a key on the keyring branch that the file it adds lists, then authenticates COMMIT from it (without the cache), and prints the \`channel\` form and the values alone, as \`keytool git channel init\` does. Refuses, saying why, when no commit qualifies or when COMMIT does not authenticate from it.
    `,
    examples: [
      ['The introduction of the checked-out channel', '$0 git channel introduction'],
      ['As JSON, for a given branch', '$0 git channel introduction origin/main --json'],
    ],
  });

  repository = repositoryOption();
  keyring = keyringOption();
  name = channelNameOption();
  url = urlOption();
  json = jsonOption();
  commit = Option.String({ required: false, name: 'COMMIT' });

  async execute(): Promise<number> {
    const { channelIntroduction } = await import('../../channel/cli.js');
    const { repository, commit, keyring, name, url, json } = this;
    return channelIntroduction(gitIo(this), { repository, commit, keyring, name, url, json });
  }
}

export class GitCommitterCommand extends Command {
  static override paths = [['git', 'committer']];
  static override usage = Command.Usage({
    category: 'Channels',
    description: 'add a committer (key on the keyring branch, fingerprint authorized) or remove one',
    details: `
      \`add\` puts the committer's key (from gpg by fingerprint, or \`--key-file\`) on the keyring branch and adds the fingerprint it signs with to \`.guix-authorizations\`, keeping the file's comments and layout. \`remove\` takes the fingerprint out of \`.guix-authorizations\` and leaves the key on the keyring branch: the commits it signed still need it.

      Without \`--sign\`, the work tree's \`.guix-authorizations\` is edited and left for you to commit, signed by a key the current commit authorizes. With \`--sign FPR\`, the change is committed on the current branch signed with that key, after checking that the current commit authorizes it.
    `,
    examples: [
      ['Add Bob, whose key is in gpg, and commit the change signed by Alice', '$0 git committer add "BBB0 2DDF 2CEA F6A8 0D1D  E643 A2A0 6DF2 A33A 54FA" --sign ALICE-FPR'],
      ['Add a committer from a key file', '$0 git committer add --key-file carol.asc'],
      ['Remove Bob (his key stays on the keyring)', '$0 git committer remove "BBB0 2DDF 2CEA F6A8 0D1D  E643 A2A0 6DF2 A33A 54FA" --sign ALICE-FPR'],
    ],
  });

  repository = repositoryOption();
  keyring = keyringOption();
  keyFile = Option.String('--key-file', { description: '`add`: read the key from this file instead of gpg' });
  name = Option.String('--name', { description: '`add`: name recorded with the key (default: from its user ID)' });
  sign = Option.String('--sign', { description: 'commit the change signed with this key' });
  args = Option.Rest({ name: 'add FPR|add --key-file FILE|remove FPR' });

  async execute(): Promise<number> {
    const [action, fingerprint, ...extra] = this.args;
    if (action !== 'add' && action !== 'remove') throw new UsageError(action === undefined ? 'expected add or remove' : `unknown action "${action}" (expected add or remove)`);
    if (extra.length) throw new UsageError(`\`${action}\` takes one fingerprint`);
    if (action === 'add' && (fingerprint === undefined) === (this.keyFile === undefined)) throw new UsageError('`add` takes a fingerprint (a key in gpg) or --key-file FILE, not both');
    if (action === 'remove' && (fingerprint === undefined || this.keyFile !== undefined)) throw new UsageError('`remove` takes the fingerprint to remove (and no --key-file)');
    const { committer } = await import('../../channel/cli.js');
    const { repository, keyring, keyFile, name, sign } = this;
    return committer(gitIo(this), { action, fingerprint, repository, keyring, keyFile, name, sign });
  }
}

export class GitPrePushCommand extends Command {
  static override paths = [['git', 'pre-push']];
  static override usage = Command.Usage({
    category: 'Channels',
    description: 'check, as a git pre-push hook, that every commit about to be pushed authenticates',
    details: `
      Reads git's pre-push input on standard input (\`<local ref> <local oid> <remote ref> <remote oid>\` lines) and authenticates, from the introduction recorded for each pushed branch, exactly the commits the push sends: those not in the remote's old value of the ref nor in its remote-tracking branches. The keyring branch, deletions and tags are not checked. When a commit would fail, says which commit, which key signed it, which \`.guix-authorizations\` lacked it and what to do, and exits 1 so that git pushes nothing.

      The hook that \`keytool git authenticate\` and \`keytool git channel init\` install runs it; to call it from a hook of your own: \`keytool git pre-push "$@" || exit 1\` (the hook's standard input must reach it).
    `,
    examples: [
      ['What the installed .git/hooks/pre-push runs', '$0 git pre-push origin https://example.org/my-channel.git'],
    ],
  });

  repository = repositoryOption();
  keyring = keyringOption();
  remote = Option.String({ required: false, name: 'REMOTE' });
  url = Option.String({ required: false, name: 'URL' });

  async execute(): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const c of this.context.stdin) chunks.push(Buffer.from(c as Uint8Array));
    const { prePush } = await import('../../channel/cli.js');
    return prePush(gitIo(this), { repository: this.repository, keyring: this.keyring, remote: this.remote, input: Buffer.concat(chunks).toString('utf8') });
  }
}
