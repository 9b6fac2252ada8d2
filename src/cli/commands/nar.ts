import { Command, Option } from 'clipanion';
import { PlainCommand } from '../base.js';

export class NarPackCommand extends PlainCommand {
  static override paths = [['nar', 'pack']];
  static override usage = Command.Usage({
    category: 'Archives',
    description: 'write the nar (normalized archive) of a file tree',
    details: `
      Serialises PATH (a file, a symbolic link or a directory; links are stored, not followed) as the daemon does: entries sorted byte-wise, only the owner-execute bit kept, no times or owners. Writes to stdout (never to a terminal) or atomically to \`--output\`. Memory stays flat whatever the size of the tree. Fifos, sockets and devices are refused.
    `,
    examples: [
      ['Pack a directory', '$0 nar pack ./tree > tree.nar'],
      ['Pack into a file', '$0 nar pack ./tree -o tree.nar'],
    ],
  });

  output = Option.String('-o,--output', { description: 'write the nar to this file (atomically) instead of stdout' });
  target = Option.String({ name: 'PATH' });

  async execute(): Promise<number> {
    const { narPack } = await import('../../nar/cli/nar.js');
    return narPack(this.target, this.output, await this.streams());
  }
}

export class NarUnpackCommand extends PlainCommand {
  static override paths = [['nar', 'unpack']];
  static override usage = Command.Usage({
    category: 'Archives',
    description: 'restore a nar into a new directory, with the daemon\'s strict checks',
    details: `
      Reads FILE (\`-\` for stdin) and restores it at DIR, which must not exist. The nar is checked as the daemon checks it: magic, tags, one type per node, entry names neither empty nor \`.\`/\`..\` nor holding \`/\` or NUL, names strictly sorted, zero padding. Files are created exclusively (0666/0777 less the umask); the tree is built in a private (0700) staging directory and moved into place only when complete, so a bad nar, an error or a signal leaves nothing behind. Symbolic links are never followed: not at DIR, and not in place of a directory the restore just made (another process swapping one in stops the restore).
    `,
    examples: [
      ['Unpack a nar', '$0 nar unpack tree.nar ./restored'],
      ['From a pipe', 'xz -dc hello.nar.xz | $0 nar unpack - ./hello'],
    ],
  });

  file = Option.String({ name: 'FILE' });
  dir = Option.String({ name: 'DIR' });

  async execute(): Promise<number> {
    const { narUnpack } = await import('../../nar/cli/nar.js');
    return this.readingFile(this.file, (s) => narUnpack(this.file, this.dir, s));
  }
}

export class NarHashCommand extends PlainCommand {
  static override paths = [['nar', 'hash']];
  static override usage = Command.Usage({
    category: 'Archives',
    description: 'print the nar hash of a file tree as Guix prints NarHash',
    details: `
      Prints \`sha256:<Nix base32>\`, the \`NarHash:\` value of a narinfo and the store's hash of that tree, without writing the nar anywhere. \`--hex\` prints the digest in hexadecimal instead; \`--json\` prints \`{"path","narHash","narSize","sha256"}\` per path, one object per line.
    `,
    examples: [
      ['Hash a tree', '$0 nar hash ./tree'],
      ['Size and hash for a narinfo', '$0 nar hash --json ./tree'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'one JSON object per path' });
  hex = Option.Boolean('--hex', false, { description: 'print the SHA-256 in hexadecimal' });
  targets = Option.Rest({ name: 'PATH', required: 1 });

  async execute(): Promise<number> {
    const { narHash } = await import('../../nar/cli/nar.js');
    return narHash(this.targets, this.json, this.hex, await this.streams());
  }
}

export class NarListCommand extends PlainCommand {
  static override paths = [['nar', 'ls']];
  static override usage = Command.Usage({
    category: 'Archives',
    description: 'list the contents of a nar, as `guix archive -t` does',
    details: `
      Reads FILE (\`-\` for stdin), checks it like \`nar unpack\`, and prints one line per node: \`D path\` for directories, \`S path -> target\` for symbolic links, \`r path SIZE B\` or \`x path SIZE B\` for regular and executable files.
    `,
    examples: [['List a nar', '$0 nar ls tree.nar']],
  });

  file = Option.String({ name: 'FILE' });

  async execute(): Promise<number> {
    const { narList } = await import('../../nar/cli/nar.js');
    return this.readingFile(this.file, (s) => narList(this.file, s));
  }
}
