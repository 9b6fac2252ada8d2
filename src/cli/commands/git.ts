// `keytool git authenticate` and `keytool git authorizations`: channel authentication as
// `guix git authenticate` does it, and editing `.guix-authorizations`.
import { Command, Option, UsageError } from 'clipanion';

/** The streams, environment and directory src/git/cli.ts works with. */
export function gitIo(c: Command) {
  return { stdout: c.context.stdout, stderr: c.context.stderr, env: c.context.env ?? process.env, cwd: process.cwd() };
}

export const repositoryOption = () => Option.String('-r,--repository', { description: 'the repository (default: the one containing the current directory)' });

export class GitAuthenticateCommand extends Command {
  static override paths = [['git', 'authenticate']];
  static override usage = Command.Usage({
    category: 'Channels',
    description: 'authenticate the commits of a Guix channel repository (like `guix git authenticate`)',
    details: `
      Checks that every commit from the introductory COMMIT to the end commit (default: HEAD) is signed by a key that its parent commits authorize in \`.guix-authorizations\`, with the keys taken from the keyring branch, and that COMMIT itself is signed by SIGNER (an OpenPGP fingerprint). The rules, messages, exit status and cache file are those of \`guix git authenticate\`: the two share \`~/.cache/guix/authentication\`, so commits one has authenticated are not checked again by the other.

      Without COMMIT and SIGNER, they are read from the repository's git configuration (\`guix.authentication-BRANCH.introduction-commit\` and \`introduction-signer\`, then \`guix.authentication.*\`). After the first success they are recorded in \`guix.authentication.*\` and \`pre-push\` and \`post-merge\` hooks are installed (neither when either exists already).

      Exit status: 0 when authenticated, 1 on any authentication or git error, 2 for an unknown option.
    `,
    examples: [
      ['Authenticate a Guix checkout', '$0 git authenticate 9edb3f66fd807b096b48283debdcddccfea34bad "BBB0 2DDF 2CEA F6A8 0D1D  E643 A2A0 6DF2 A33A 54FA"'],
      ['Again, with the recorded introduction, up to a given commit', '$0 git authenticate --end origin/master'],
      ['Count commits per signing key', '$0 git authenticate --stats'],
    ],
  });

  repository = repositoryOption();
  keyring = Option.String('-k,--keyring', { description: 'branch holding the OpenPGP keys (default: configured, else "keyring")' });
  end = Option.String('-e,--end', { description: 'last commit to authenticate (default: HEAD)' });
  cacheKey = Option.String('--cache-key', { description: 'cache file name under ~/.cache/guix/authentication' });
  historical = Option.String('--historical-authorizations', { description: 'authorizations file for commits whose parents have none' });
  stats = Option.Boolean('--stats', false, { description: 'print how many commits each key signed' });
  args = Option.Rest({ name: 'COMMIT SIGNER' });

  async execute(): Promise<number> {
    const { gitAuthenticate } = await import('../../git/cli.js');
    return gitAuthenticate(gitIo(this), {
      args: this.args,
      repository: this.repository,
      keyring: this.keyring,
      end: this.end,
      cacheKey: this.cacheKey,
      historicalAuthorizations: this.historical,
      stats: this.stats,
    });
  }
}

export class GitAuthorizationsCommand extends Command {
  static override paths = [['git', 'authorizations']];
  static override usage = Command.Usage({
    category: 'Channels',
    description: 'list, add or remove keys in `.guix-authorizations`',
    details: `
      Edits the \`.guix-authorizations\` file at the top of the repository's working tree, keeping its comments and layout; commit the change yourself (signed by a key already authorized). \`add\` refuses a fingerprint whose key is not in the keyring branch (\`--force\` skips that check); list the fingerprint of the key or subkey that actually signs commits. \`--json\` lists the entries as JSON.
    `,
    examples: [
      ['List authorized keys', '$0 git authorizations'],
      ['Authorize a key found in the keyring branch', '$0 git authorizations add "CCB8 1842 F9D7 058E CD67  377A BF5C DF4D F6BF 6682" --name alice'],
      ['Remove a key', '$0 git authorizations remove CCB81842F9D7058ECD67377ABF5CDF4DF6BF6682'],
    ],
  });

  repository = repositoryOption();
  keyring = Option.String('-k,--keyring', { description: 'keyring branch for the `add` check (default: configured, else "keyring")' });
  file = Option.String('--file', { description: 'the authorizations file to read or edit (default: .guix-authorizations of the repository)' });
  name = Option.String('--name', { description: 'name recorded with an added key' });
  force = Option.Boolean('--force', false, { description: 'add a key even if it is not in the keyring branch' });
  json = Option.Boolean('--json', false, { description: 'list as JSON' });
  args = Option.Rest({ name: 'list|add FPR|remove FPR' });

  async execute(): Promise<number> {
    const [action = 'list', fingerprint, ...extra] = this.args;
    if (action !== 'list' && action !== 'add' && action !== 'remove') throw new UsageError(`unknown action "${action}" (expected list, add or remove)`);
    if (action === 'list' ? fingerprint !== undefined : fingerprint === undefined || extra.length > 0) {
      throw new UsageError(action === 'list' ? '`list` takes no argument' : `\`${action}\` takes exactly one fingerprint`);
    }
    const { gitAuthorizations } = await import('../../git/cli.js');
    const { name, repository, keyring, file, force, json } = this;
    return gitAuthorizations(gitIo(this), { action, fingerprint, name, repository, keyring, file, force, json });
  }
}
