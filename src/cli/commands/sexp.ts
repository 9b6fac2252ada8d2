import { Command, Option } from 'clipanion';
import * as t from 'typanion';

export class SexpCommand extends Command {
  static override paths = [['sexp']];
  static override usage = Command.Usage({
    category: 'S-expressions',
    description: 'read one S-expression on standard input and print it in another form',
    details: `
      Reads one S-expression in any form (libgcrypt's advanced text, canonical, or transport \`{base64}\`) on standard input and prints it on standard output in the form chosen with \`--format\`: \`advanced\` (the default: the text libgcrypt, and so Guix, writes into key files, the ACL and signatures, byte for byte), \`canonical\` (the binary form hashed and compared: raw bytes, no line feed), or \`transport\` (\`{base64 of canonical}\` and a line feed).

      Only white space may follow the expression. On malformed input it prints what is wrong and the byte offset on standard error and exits 1.
    `,
    examples: [
      ['Pretty-print a key file as Guix writes it', '$0 sexp < /etc/guix/signing-key.pub'],
      ['The canonical bytes of a key, hashed', '$0 sexp --format canonical < key.pub | sha256sum'],
      ['A one-line, copy-pasteable form', "echo '(a (b c))' | $0 sexp --format transport"],
    ],
  });

  format = Option.String('--format,-f', 'advanced', {
    description: 'output form: advanced (default), canonical or transport',
    validator: t.isEnum(['advanced', 'canonical', 'transport'] as const),
  });

  async execute(): Promise<number> {
    const { convertSexp } = await import('../sexp-convert.js');
    return convertSexp(this.context.stdin, this.context.stdout, this.format);
  }
}
