// `keytool sexp`: stream standard input through the incremental reader, print one form.
import { KeytoolError } from '../errors.js';
import { printAdvanced, printCanonical, printTransport, SexpError, SexpReader } from '../sexp/index.js';

export type SexpFormat = 'advanced' | 'canonical' | 'transport';

export async function convertSexp(input: AsyncIterable<unknown>, output: NodeJS.WritableStream, format: SexpFormat): Promise<number> {
  const reader = new SexpReader();
  let sexp;
  let blank = true;
  try {
    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Uint8Array);
      blank &&= bytes.every((b) => b === 0x20 || (b >= 0x09 && b <= 0x0d));
      reader.push(bytes);
    }
    // libgcrypt reads nothing as `()`; a person who pipes nothing in has made a mistake.
    if (blank) throw new KeytoolError('sexp: standard input is empty (or only white space); give an S-expression on standard input, e.g. keytool sexp < key.pub', 1);
    sexp = reader.end();
  } catch (e) {
    if (e instanceof SexpError) throw new KeytoolError(`sexp: ${e.message}`, 1);
    throw e;
  }
  const bytes = format === 'canonical' ? printCanonical(sexp) : format === 'transport' ? Buffer.concat([printTransport(sexp), Buffer.from('\n')]) : printAdvanced(sexp);
  await new Promise<void>((resolve, reject) => output.write(bytes, (err) => (err ? reject(err) : resolve())));
  return 0;
}
