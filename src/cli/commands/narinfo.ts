import { Command, Option } from 'clipanion';
import { aclOption, KeytoolCommand } from '../base.js';

export class NarinfoSignCommand extends KeytoolCommand {
  static override paths = [['narinfo', 'sign']];
  static override usage = Command.Usage({
    category: 'Archives',
    description: 'add or replace the Signature line of narinfo files, as `guix publish` writes it',
    details: `
      Signs the text above the Signature line (StorePath, NarHash, NarSize, References and Deriver as \`guix publish\` lays them out) with the secret key (default: signing-key.sec of the configuration directory) and writes \`Signature: 1;<host>;<base64>\`: in place of an existing Signature line, else before the first URL/Compression/FileSize field. Every other byte is kept as it was. Refuses what \`narinfo verify\` calls malformed (invalid UTF-8, CRLF line endings, a StorePath, reference or Deriver that is not a store file name). Files are rewritten atomically, keeping their mode; \`-\` reads stdin and writes stdout. The host defaults to this machine's name.
    `,
    examples: [
      ['Sign a narinfo', '$0 narinfo sign --key /etc/guix/signing-key.sec 0123456789abcdfghijklmnpqrsvwxyz.narinfo'],
      ['Sign as another host', '$0 narinfo sign --key signing-key.sec --host mirror.example.org *.narinfo'],
    ],
  });

  key = Option.String('--key', { description: 'the secret key file (default: signing-key.sec in the configuration directory)' });
  host = Option.String('--host', { description: 'host name written in the Signature field (default: this machine\'s)' });
  files = Option.Rest({ name: 'FILE', required: 1 });

  async execute(): Promise<number> {
    const { narinfoSign } = await import('../../nar/cli/narinfo.js');
    return narinfoSign(this.files, this.key, this.host, this.config, await this.streams());
  }
}

export class NarinfoVerifyCommand extends KeytoolCommand {
  static override paths = [['narinfo', 'verify']];
  static override usage = Command.Usage({
    category: 'Archives',
    description: 'check narinfo files against the ACL with Guix\'s rules',
    details: `
      For each FILE, and each \`*.narinfo\` under each DIR (read one at a time, so a mirror's thousands are fine), prints a verdict: valid, unsigned (no usable Signature field, or the text above it lacks StorePath, NarHash or References), corrupt, unauthorized, hash-mismatch (the signature is for other text), invalid, or malformed (one Guix cannot read or would not use: not valid UTF-8, an unmatched line, CRLF line endings, a StorePath, reference or Deriver that is not a store file name of $NIX_STORE_DIR or /gnu/store), with the substituter's message. Values from the file are printed escaped; \`--json\` keeps them exact. Exits 1 if any is not valid. The ACL is \`--acl FILE\`, else the configuration directory's. \`--json\`: one object per file and line (\`file\`, \`status\`, \`message\`, \`storePath\`, \`url\`, \`host\`, \`signer\`, \`label\`, \`reason\`).
    `,
    examples: [
      ['Check a mirror', '$0 narinfo verify /var/cache/guix/publish'],
      ['For scripts', '$0 narinfo verify --json --acl ./acl *.narinfo'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'one JSON object per narinfo' });
  acl = aclOption();
  files = Option.Rest({ name: 'FILE|DIR', required: 1 });

  async execute(): Promise<number> {
    const { narinfoVerify } = await import('../../nar/cli/narinfo.js');
    return narinfoVerify(this.files, this.json, this.acl, this.config, await this.streams());
  }
}
