import { Command, Option } from 'clipanion';
import { aclOption, KeytoolCommand } from '../base.js';

const storeDirOption = () => Option.String('--store-dir', { description: 'store directory items must be in (default: $NIX_STORE_DIR, else /gnu/store)' });

export class ArchiveExportCommand extends KeytoolCommand {
  static override paths = [['archive', 'export']];
  /** Read by parseExportArgs, not clipanion, whose parsing is quadratic in the argument count (see main.ts). */
  static rawArguments = true;
  static placeholders = { '--key': 'SECRET-FILE', '--output': 'FILE', '--store-path': 'PATH', '--reference': 'REF', '--deriver': 'DRV', '--items-from': 'FILE', '--store-dir': 'DIR', '--config-dir': 'DIR' };
  static override usage = Command.Usage({
    category: 'Archives',
    description: 'write a signed bundle, as `guix archive --export` does',
    details: `
      Each item is a group: \`--store-path PATH\`, then its \`--reference REF\` options (any number) and an optional \`--deriver DRV\`, then the DIR whose contents become that store path. Repeat the group for more items. Items are written dependencies first (an item after the items it references), otherwise in the order given. Each item is signed with the secret key (default: signing-key.sec of the configuration directory; its .pub must sit beside it), and the bytes are those the daemon writes for the same tree, path, references and deriver, so \`guix archive --import\` accepts them on a machine that authorizes the key.

      \`--items-from FILE\` (\`-\` for stdin) reads more groups, after those of the command line, one item per line written as on the command line: \`--store-path PATH [--reference REF]... [--deriver DRV] DIR\`, words separated by spaces or tabs, DIR being the rest of the line (it may hold spaces; write a directory whose name starts with \`--\` as \`./--name\`). Blank lines and lines starting with \`#\` are skipped. Use it for closures too large for a command line.

      Writes to stdout (never to a terminal) or atomically to \`--output\`.

      Options: \`--key SECRET-FILE\`, \`-o, --output FILE\`, \`--items-from FILE\`, \`--config-dir DIR\`, \`--store-dir DIR\`.
    `,
    examples: [
      ['Export one item', '$0 archive export --key signing-key.sec --store-path /gnu/store/0123456789abcdfghijklmnpqrsvwxyz-hello ./hello > hello.nar.bundle'],
      ['Many items, one per line of a file', '$0 archive export -o closure.bundle --items-from items.txt'],
      ['Two items, one referencing the other', '$0 archive export -o both.bundle --store-path /gnu/store/zyxwvsrqpnmlkjihgfdcba9876543210-dep ./dep --store-path /gnu/store/0123456789abcdfghijklmnpqrsvwxyz-hello --reference /gnu/store/zyxwvsrqpnmlkjihgfdcba9876543210-dep ./hello'],
    ],
  });

  // Declared for --help and the man-page test only: parseExportArgs reads them (EXPORT_OPTIONS).
  key = Option.String('--key', { description: 'the secret key file (default: signing-key.sec of the configuration directory)' });
  output = Option.String('-o,--output', { description: 'write the bundle to this file (atomically) instead of stdout' });
  storePath = Option.Array('--store-path', { description: 'starts an item: the store path its DIR becomes' });
  reference = Option.Array('--reference', { description: 'a store path the current item refers to (any number)' });
  deriver = Option.Array('--deriver', { description: 'the derivation that built the current item (optional)' });
  itemsFrom = Option.String('--items-from', { description: 'read more items, one per line, from this file (- for stdin)' });
  storeDirOpt = storeDirOption();
  args = Option.Proxy({ name: 'ITEM' });

  async execute(): Promise<number> {
    const { parseExportArgs, archiveExport } = await import('../../nar/cli/archive.js');
    const { configDir, configPaths } = await import('../../config.js');
    const { storeDir } = await import('../../nar/storepath.js');
    const s = await this.streams();
    const args = parseExportArgs(this.args.some((a) => a === '-h' || a === '--help') ? ['--help'] : this.args);
    if (args.help) {
      s.stdout.write(this.cli.usage(ArchiveExportCommand, { detailed: true }));
      return 0;
    }
    return archiveExport(args, configPaths(configDir(args.configDir, s.env)), args.storeDir ?? storeDir(s.env), s);
  }
}

export class ArchiveListCommand extends KeytoolCommand {
  static override paths = [['archive', 'list']];
  static override usage = Command.Usage({
    category: 'Archives',
    description: 'show each item of a bundle: path, references, deriver, size, signer',
    details: `
      Reads BUNDLE (\`-\` for stdin) as \`guix archive --import\` would, without checking signatures (see \`archive verify\`). The signer is shown by fingerprint, key type and label. \`--json\` prints one object per item and line: \`index\`, \`storePath\`, \`references\`, \`deriver\`, \`narSize\`, \`hash\`, \`signed\`, \`signer\`, \`keyType\`, \`label\`.
    `,
    examples: [['List a bundle', '$0 archive list hello.nar.bundle']],
  });

  json = Option.Boolean('--json', false, { description: 'one JSON object per item' });
  storeDirOpt = storeDirOption();
  file = Option.String({ name: 'BUNDLE' });

  async execute(): Promise<number> {
    const { archiveList } = await import('../../nar/cli/archive.js');
    const { storeDir } = await import('../../nar/storepath.js');
    return this.readingFile(this.file, (s) => archiveList(this.file, this.json, this.config, this.storeDirOpt ?? storeDir(s.env), s));
  }
}

export class ArchiveVerifyCommand extends KeytoolCommand {
  static override paths = [['archive', 'verify']];
  static override usage = Command.Usage({
    category: 'Archives',
    description: 'check every item of a bundle: signature, signer in the ACL, hash',
    details: `
      Checks each item as the daemon does on import: a signature must be present, readable, by a key in the ACL and valid, and it must sign the hash of the item's nar and metadata (a mismatch is the daemon's "Trojan horse" message). Prints one line per item saying which failed and why; exits 1 if any did. The ACL is \`--acl FILE\`, else the configuration directory's (a missing ACL holds signing-key.pub, as in Guix); nothing is written. \`--json\`: one object per item (\`index\`, \`storePath\`, \`status\`, \`message\`, \`signer\`, \`label\`), status one of valid, unsigned, corrupt, unauthorized, invalid, hash-mismatch.
    `,
    examples: [
      ['Verify against /etc/guix/acl', '$0 archive verify hello.nar.bundle'],
      ['Verify against another ACL', '$0 archive verify --acl ./acl hello.nar.bundle'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'one JSON object per item' });
  acl = aclOption();
  storeDirOpt = storeDirOption();
  file = Option.String({ name: 'BUNDLE' });

  async execute(): Promise<number> {
    const { archiveVerify } = await import('../../nar/cli/archive.js');
    const { storeDir } = await import('../../nar/storepath.js');
    return this.readingFile(this.file, (s) => archiveVerify(this.file, this.json, this.config, this.acl, this.storeDirOpt ?? storeDir(s.env), s));
  }
}

export class ArchiveExtractCommand extends KeytoolCommand {
  static override paths = [['archive', 'extract']];
  static override usage = Command.Usage({
    category: 'Archives',
    description: 'verify a bundle, then restore its items into a directory',
    details: `
      Every item is checked as \`archive verify\` does. Items are restored into a private (0700) staging directory inside DIR while they are read, and moved to DIR/<store file name> only after every item has passed; if any fails, or a signal interrupts, nothing is extracted and DIR is left as it was. DIR is created if needed; a symbolic link there is refused, as \`nar unpack\` refuses one. Existing entries of DIR are never overwritten. Prints the paths it created.
    `,
    examples: [['Extract a bundle', '$0 archive extract hello.nar.bundle ./out']],
  });

  acl = aclOption();
  storeDirOpt = storeDirOption();
  file = Option.String({ name: 'BUNDLE' });
  dir = Option.String({ name: 'DIR' });

  async execute(): Promise<number> {
    const { archiveExtract } = await import('../../nar/cli/archive.js');
    const { storeDir } = await import('../../nar/storepath.js');
    return this.readingFile(this.file, (s) => archiveExtract(this.file, this.dir, this.config, this.acl, this.storeDirOpt ?? storeDir(s.env), s));
  }
}
