import { Command, Option, UsageError } from 'clipanion';
import { aclOption, KeytoolCommand } from '../base.js';

/** A whole number within bounds, from an option's text, or a usage error naming the option. */
function count(text: string | undefined, fallback: number, name: string, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${name} takes a whole number from ${min} to ${max}, not "${text.slice(0, 20)}"`);
  return Number(text);
}

export class SubstitutesCheckCommand extends KeytoolCommand {
  static override paths = [['substitutes', 'check']];
  static override usage = Command.Usage({
    category: 'Archives',
    description: 'check what a substitute server or mirror serves: signed narinfos and, with --contents, the nars themselves',
    details: `
      Each SOURCE is a server's base URL (\`https://bordeaux.guix.gnu.org\`), a narinfo URL, a directory (a static mirror laid out as servers lay it out, \`HASH.narinfo\` and \`nar/...\`, or a \`guix publish --cache\` directory) or a narinfo file. The ITEMs after a server or directory (store paths, \`HASH-NAME\` or hash parts; more with \`--items-from FILE\`) are looked up there; a directory without items is searched for every \`*.narinfo\`. Each narinfo is judged as \`narinfo verify\` judges it, and must describe the item asked for (else \`wrong-store-path\`). With \`--contents\`, every nar it names (each URL/Compression pair) is fetched, decompressed as it streams (none, gzip, zstd, lzip) and checked against FileSize and FileHash when present, then NarSize and NarHash; a file or nar larger than announced stops at once. One line per item as it is done (\`--json\`: JSON Lines), a summary on stderr, progress on stderr when it is a terminal. Exits 0 only when every item checked is valid, 1 otherwise, 2 for misuse. HTTPS trusts Node's CAs, the system's (SSL_CERT_FILE, SSL_CERT_DIR, /etc/ssl/certs/ca-certificates.crt) and \`--ca-file\`.
    `,
    examples: [
      ['Check a server against the ACL, with the nars', '$0 substitutes check --contents https://bordeaux.guix.gnu.org /gnu/store/...-hello-2.12.1'],
      ['Check a mirror directory every night, resumable', '$0 substitutes check --contents --jobs 8 --state /var/tmp/mirror.state /srv/mirror'],
      ['Items from a file, for scripts', '$0 substitutes check --json --items-from items.txt https://mirror.example.org'],
    ],
  });

  contents = Option.Boolean('--contents', false, { description: 'also fetch every nar and check its size and hash' });
  json = Option.Boolean('--json', false, { description: 'one JSON object per item' });
  acl = aclOption();
  itemsFrom = Option.String('--items-from', { description: 'read items (one store path or hash part a line; - for stdin) for each server or directory' });
  caFile = Option.String('--ca-file', { description: 'also trust the CA certificates (PEM) in this file for HTTPS' });
  jobs = Option.String('--jobs,-j', { description: 'items checked at once (default 4)' });
  timeout = Option.String('--timeout', { description: 'seconds without data before a fetch fails (default 30)' });
  retries = Option.String('--retries', { description: 'further attempts after a transient failure: 5xx, reset, timeout (default 3)' });
  maxRedirects = Option.String('--max-redirects', { description: 'redirects followed per fetch (default 5)' });
  state = Option.String('--state', { description: 'record verdicts in this file and skip the items it lists as valid' });
  sources = Option.Rest({ name: 'SOURCE [ITEM...]', required: 1 });

  async execute(): Promise<number> {
    const options = {
      sources: this.sources,
      contents: this.contents,
      json: this.json,
      jobs: count(this.jobs, 4, '--jobs', 1, 256),
      timeoutSeconds: count(this.timeout, 30, '--timeout', 1, 86400),
      retries: count(this.retries, 3, '--retries', 0, 100),
      maxRedirects: count(this.maxRedirects, 5, '--max-redirects', 0, 100),
      ...(this.acl !== undefined ? { acl: this.acl } : {}),
      ...(this.caFile !== undefined ? { caFile: this.caFile } : {}),
      ...(this.itemsFrom !== undefined ? { itemsFrom: this.itemsFrom } : {}),
      ...(this.state !== undefined ? { state: this.state } : {}),
    };
    const { substitutesCheck } = await import('../../substitutes/cli.js');
    return substitutesCheck(options, this.config, await this.streams());
  }
}
