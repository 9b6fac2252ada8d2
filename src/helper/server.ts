// The `guix authenticate` session: requests from the reader in, one reply per request out.
//
//   sign LEN:KEYFILE LEN:HEXHASH   -> 0 LEN:(signature ...)   | 500 LEN:message
//   verify LEN:SIGNATURE           -> 0 LEN:hex of the hash   | 500 LEN:message
//   anything else                  -> 404 15:invalid command
//
// Replies the real helper gives are reproduced byte for byte; where the real helper crashes
// (see spec/authenticate-protocol.md) we answer 500 with a message saying what is wrong and carry
// on. Nothing here writes to stdout or stderr: the caller sends the replies (see serve.ts).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { configDir, configPaths, type ConfigPaths } from '../config.js';
import { isAuthorized } from '../acl/acl.js';
import { loadAclKeys } from '../acl/store.js';
import { advancedString, parseSexp, printAdvanced, type Sexp, type SexpList } from '../sexp/index.js';
import { checkSignature, keyPairFromSexp, publicKeyFileFor, publicKeyFromSexp, signHash, type KeyPair } from '../crypto/index.js';
import { latin1, type ProtocolEvent } from './protocol.js';
import { strerror } from './strerror.js';

export interface Reply {
  code: 0 | 404 | 500;
  /** ISO-8859-1 text or raw bytes. */
  payload: string | Uint8Array;
}

/** `CODE LEN:BYTES`, no newline: what the daemon's reply reader expects. */
export function encodeReply(reply: Reply): Buffer {
  const body = typeof reply.payload === 'string' ? Buffer.from(reply.payload, 'latin1') : Buffer.from(reply.payload);
  return Buffer.concat([Buffer.from(`${reply.code} ${body.length}:`, 'latin1'), body]);
}

const INVALID_COMMAND: Reply = { code: 404, payload: 'invalid command' };
const fail = (message: string): Reply => ({ code: 500, payload: `${message}\n` });

/** A possibly huge argument, shortened for quoting in a message. */
const quote = (s: string, max = 80): string => (s.length > max ? `${s.slice(0, max)}...` : s);

/** What the session tells its log, one line per request. */
export type LogSink = (line: string) => void;

export interface SessionOptions {
  /** Configuration directory (default: $GUIX_CONFIGURATION_DIRECTORY, else /etc/guix). */
  configDir?: string;
  log?: LogSink;
}

/** The ACL as read at start: its keys, or why it cannot be used. */
type AclState = { ok: true; keys: SexpList[] } | { ok: false; message: string };

/** Keys are a few KiB; a bigger "key file" is refused before it fills memory. */
const MAX_KEY_FILE = 1 << 20;

/** A key file we refuse to read, with the reason as the message. */
class UnreadableKeyFile extends Error {}

/**
 * A key file's bytes. Only regular files: a FIFO, a device or `/dev/stdin` (our own request
 * pipe) could block forever or swallow the daemon's next requests. O_NONBLOCK so that opening
 * a FIFO cannot block either; it does nothing for regular files.
 */
function readKeyFile(file: Buffer): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) readSync(fd, Buffer.alloc(1)); // EISDIR: "Is a directory", as C says
    if (!stat.isFile()) throw new UnreadableKeyFile('not a regular file');
    if (stat.size > MAX_KEY_FILE) throw new UnreadableKeyFile(`the file is larger than ${MAX_KEY_FILE} bytes, not a key`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      // It may have grown since fstat.
      if (total > MAX_KEY_FILE) throw new UnreadableKeyFile(`the file is larger than ${MAX_KEY_FILE} bytes, not a key`);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class Session {
  readonly paths: ConfigPaths;
  private readonly acl: AclState;
  private readonly keyPairs = new Map<string, KeyPair>();
  private readonly log: LogSink | undefined;
  private requests = 0;
  private prepared = false;

  constructor(options: SessionOptions = {}) {
    this.paths = configPaths(options.configDir ?? configDir());
    this.log = options.log;
    this.acl = Session.readAcl(this.paths);
    this.note(this.acl.ok ? `start: ${this.acl.keys.length} authorized key(s) in ${this.paths.acl}` : `start: ACL unusable: ${this.acl.message}`);
  }

  /** The ACL, read once (created from signing-key.pub when missing, as Guix does). */
  private static readAcl(paths: ConfigPaths): AclState {
    try {
      return { ok: true, keys: loadAclKeys(paths) };
    } catch (e) {
      return { ok: false, message: errorMessage(e) };
    }
  }

  /** The ACL as read at start: how many keys, or why it is unusable (for `--check`). */
  aclStatus(): { ok: true; keys: number } | { ok: false; message: string } {
    return this.acl.ok ? { ok: true, keys: this.acl.keys.length } : this.acl;
  }

  /** Load KEYFILE's pair as a `sign` request would; the failure message is the reply's (for `--check`). */
  loadKeyPair(keyFile: string): { ok: true } | { ok: false; message: string } {
    const loaded = this.keyPair(keyFile);
    return 'message' in loaded ? { ok: false, message: loaded.message } : { ok: true };
  }

  /** Precompute whatever the crypto code can for keys we will verify with; never fatal. At the
   *  first `verify`, not at start: decoding the keys is wasted on a helper that only signs. */
  private prepareKeys(keys: readonly SexpList[]): void {
    if (this.prepared) return;
    this.prepared = true;
    for (const key of keys) {
      try {
        const pub = publicKeyFromSexp(key) as { prepare?: () => void };
        pub.prepare?.();
      } catch {
        /* an unusable ACL key simply never verifies anything */
      }
    }
  }

  /** The reply to one reader event. */
  handle(event: ProtocolEvent): Reply {
    this.requests++;
    let reply: Reply;
    let what: string;
    if (event.kind !== 'request') {
      what = event.kind;
      reply = fail(event.message);
    } else {
      const command = latin1(event.command);
      what = quote(command, 32) || '(empty)';
      try {
        reply = this.dispatch(command, event.args);
      } catch (e) {
        // A bug, not an expected failure: still a well-formed reply, and the session goes on.
        reply = fail(`internal error while handling '${quote(command, 32)}': ${errorMessage(e)}`);
      }
    }
    if (this.log && this.requests % 10_000 === 0) {
      const m = process.memoryUsage();
      const mib = (n: number) => (n / 2 ** 20).toFixed(1);
      this.note(`memory after ${this.requests} requests: rss ${mib(m.rss)} MiB, heap ${mib(m.heapUsed)}/${mib(m.heapTotal)} MiB, external ${mib(m.external)} MiB`);
    }
    this.note(`#${this.requests} ${what} -> ${reply.code}${reply.code === 0 ? '' : ` ${quote(latin1(encodeReply(reply)).replace(/\n/g, '\\n'), 400)}`}`);
    return reply;
  }

  private dispatch(command: string, args: Uint8Array[]): Reply {
    if (command === 'sign' && args.length === 2) return this.sign(latin1(args[0]!), latin1(args[1]!));
    if (command === 'verify' && args.length === 1) return this.verify(args[0]!);
    return INVALID_COMMAND;
  }

  private sign(keyFile: string, hashText: string): Reply {
    // The hash first, as the real helper decodes it before touching the key.
    if (hashText.length === 0) return fail('sign: the hash is empty');
    if (!/^[0-9a-fA-F]*$/.test(hashText)) return fail(`sign: the hash '${quote(hashText)}' is not hexadecimal`);
    if (hashText.length % 2 !== 0) return fail(`sign: the hash '${quote(hashText)}' has an odd number of hexadecimal digits`);
    const hash = Uint8Array.from(Buffer.from(hashText, 'hex'));

    const loaded = this.keyPair(keyFile);
    if ('message' in loaded) return fail(loaded.message);
    let signature: Sexp;
    try {
      signature = signHash(loaded.pair, hash);
    } catch (e) {
      return fail(`cannot sign with the key at '${keyFile}': ${errorMessage(e)}`);
    }
    return { code: 0, payload: printAdvanced(signature) };
  }

  /** The key pair for KEYFILE, loaded once per session (failures are retried next time). */
  private keyPair(keyFile: string): { pair: KeyPair } | { message: string } {
    const cached = this.keyPairs.get(keyFile);
    if (cached) return { pair: cached };
    const failed = (why: string) => ({ message: `failed to load key pair at '${keyFile}': ${why}` });
    if (keyFile.includes('\0')) return failed('the file name contains a NUL byte');
    if (keyFile.length < 4) return failed('the file name is too short to name its public key (.sec replaced by .pub)');
    // Like Guix: the public key is the same name with its last four characters replaced by `.pub`.
    const pubFile = publicKeyFileFor(keyFile);
    const texts: Buffer[] = [];
    for (const file of [keyFile, pubFile]) {
      try {
        // File names are bytes: the daemon's Latin-1 text, not re-encoded as UTF-8.
        texts.push(readKeyFile(Buffer.from(file, 'latin1')));
      } catch (e) {
        if (e instanceof UnreadableKeyFile) return failed(e.message);
        // The real helper names the .sec file even when the .pub one is the problem.
        return failed(strerror(e));
      }
    }
    let secret: Sexp;
    let pub: Sexp;
    try {
      secret = parseSexp(texts[0]!);
    } catch (e) {
      return failed(`the secret key is not an S-expression (${errorMessage(e)})`);
    }
    try {
      pub = parseSexp(texts[1]!);
    } catch (e) {
      return failed(`the public key ${pubFile} is not an S-expression (${errorMessage(e)})`);
    }
    try {
      const pair = keyPairFromSexp(secret, pub);
      (pair.publicKey as { prepare?: () => void }).prepare?.();
      this.keyPairs.set(keyFile, pair);
      return { pair };
    } catch (e) {
      return failed(errorMessage(e));
    }
  }

  private verify(text: Uint8Array): Reply {
    if (!this.acl.ok) return fail(`cannot verify signatures: the access-control list is unusable: ${this.acl.message}`);
    let sig: Sexp;
    try {
      // Not our transport form: the real helper (libgcrypt) refuses it, so the daemon would too.
      sig = parseSexp(text, { noTransport: true });
    } catch (e) {
      return fail(`corrupt signature data: not an S-expression: ${errorMessage(e)}`);
    }
    const keys = this.acl.keys;
    this.prepareKeys(keys);
    const check = checkSignature(sig, (pub) => isAuthorized(keys, pub));
    switch (check.status) {
      case 'valid':
        return { code: 0, payload: Buffer.from(check.hash!).toString('hex') };
      // These three texts are the real helper's, byte for byte (the advanced form ends with \n).
      case 'corrupt':
        return { code: 500, payload: `corrupt signature data: ${advancedString(sig)}` };
      case 'unauthorized':
        return { code: 500, payload: `unauthorized public key: ${advancedString(check.publicKey!)}` };
      case 'invalid':
        if (check.reason) this.note(`invalid signature: ${check.reason}`);
        return { code: 500, payload: `invalid signature: ${advancedString(sig)}` };
    }
  }

  private note(line: string): void {
    if (!this.log) return;
    try {
      this.log(line);
    } catch {
      /* the log is never fatal */
    }
  }
}
