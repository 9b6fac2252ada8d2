// HTTP(S) for substitute checks, on node:http/https (Node 20's fetch takes no CA list without
// undici's Agent, which Node does not expose): keep-alive agents sized to --jobs, an idle timeout
// on every socket (connect, headers and body alike), redirects followed within a limit with loops
// named, retries with backoff for what may pass (5xx, 408, 429, resets, timeouts), and every
// failure said in words with its kind, never an errno name.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { excerpt } from '../display.js';

export type FetchFailureKind = 'not-found' | 'http-status' | 'tls' | 'timeout' | 'network' | 'redirects' | 'truncated' | 'too-large';

/** A fetch that failed, with what kind of failure it was and whether trying again may help. */
export class FetchFailure extends Error {
  override readonly name = 'FetchFailure';
  constructor(readonly kind: FetchFailureKind, message: string, readonly transient = false) {
    super(message);
  }
}

export interface HttpOptions {
  /** Idle time without a byte (connecting, waiting for headers, reading the body) before giving up. */
  timeoutMs: number;
  maxRedirects: number;
  /** Further attempts after a transient failure. */
  retries: number;
  /** First backoff delay; doubled on each retry. */
  backoffMs: number;
  /** Sockets per host. */
  sockets: number;
  /** CA certificates (PEM) for HTTPS. */
  ca?: string[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TRANSIENT_STATUS = (s: number): boolean => s >= 500 || s === 408 || s === 429;

/** A TLS or socket error in words; the kind says which verdict it becomes. */
function describeError(e: unknown, url: URL): FetchFailure {
  if (e instanceof FetchFailure) return e;
  const code = String((e as NodeJS.ErrnoException).code ?? '');
  const host = excerpt(url.host, 100);
  const tls = (why: string): FetchFailure => new FetchFailure('tls', `TLS error with ${host}: ${why}`);
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT': return tls('the server\'s certificate is self-signed and not trusted (give it or its CA with --ca-file)');
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': return tls('the server\'s certificate is not issued by a trusted CA (give the CA with --ca-file)');
    case 'CERT_HAS_EXPIRED': return tls('the server\'s certificate has expired');
    case 'CERT_NOT_YET_VALID': return tls('the server\'s certificate is not valid yet');
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return tls(`the server's certificate is not for ${excerpt(url.hostname, 100)}`);
    case 'CERT_REVOKED': return tls('the server\'s certificate is revoked');
    case 'ECONNREFUSED': return new FetchFailure('network', `connection to ${host} refused`, true);
    case 'ECONNRESET': return new FetchFailure('network', `connection to ${host} reset`, true);
    case 'EPIPE': return new FetchFailure('network', `connection to ${host} closed while sending`, true);
    case 'ENOTFOUND': return new FetchFailure('network', `host ${excerpt(url.hostname, 100)} not found`);
    case 'EAI_AGAIN': return new FetchFailure('network', `host ${excerpt(url.hostname, 100)} could not be looked up (temporary DNS failure)`, true);
    case 'EHOSTUNREACH': case 'ENETUNREACH': return new FetchFailure('network', `${host} is unreachable`, true);
    case 'ETIMEDOUT': return new FetchFailure('timeout', `connection to ${host} timed out`, true);
    default:
      if (code.startsWith('ERR_SSL') || code === 'EPROTO' || code.startsWith('ERR_TLS') || /certificate|ssl|tls/i.test((e as Error).message ?? '')) {
        return tls(`the TLS handshake failed (${excerpt((e as Error).message ?? code, 120)})`);
      }
      return new FetchFailure('network', `cannot fetch from ${host}: ${excerpt((e as Error).message ?? String(e), 120)}`, true);
  }
}

export interface Response {
  headers: IncomingMessage['headers'];
  /** The body, chunk by chunk; ends early only by throwing a FetchFailure (truncated, timeout). */
  body: AsyncIterable<Buffer>;
  /** Stop reading and free the connection. */
  cancel(): void;
}

export class HttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(readonly options: HttpOptions) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.sockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.sockets, ...(options.ca ? { ca: options.ca } : {}) });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** One request, no redirects: resolves once the headers are in. */
  private request(url: URL): Promise<{ res: IncomingMessage; timedOut: () => boolean; req: http.ClientRequest }> {
    return new Promise((resolve, reject) => {
      const mod = url.protocol === 'https:' ? https : http;
      let timedOut = false;
      const timeout = (): FetchFailure => new FetchFailure('timeout', `no data from ${excerpt(url.host, 100)} for ${this.options.timeoutMs / 1000} s (timed out)`, true);
      const req = mod.get(url, { agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent, headers: { 'user-agent': 'guix-keytool', 'accept-encoding': 'identity' } });
      req.setTimeout(this.options.timeoutMs, () => {
        timedOut = true;
        req.destroy(timeout());
      });
      req.on('error', (e) => reject(timedOut ? timeout() : describeError(e, url)));
      req.on('response', (res) => resolve({ res, timedOut: () => timedOut, req }));
    });
  }

  /** GET `target`, following redirects; a status other than 2xx is a FetchFailure. */
  async open(target: string): Promise<Response> {
    let url = new URL(target);
    const seen = [url.href];
    for (;;) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchFailure('http-status', `cannot fetch ${excerpt(url.href, 200)}: only http and https URLs are supported`);
      const { res, timedOut, req } = await this.request(url);
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        res.resume();
        const location = res.headers.location;
        if (!location) throw new FetchFailure('redirects', `HTTP ${status} redirect without a Location from ${excerpt(url.href, 200)}`);
        const next = new URL(location, url);
        if (seen.includes(next.href)) throw new FetchFailure('redirects', `redirect loop: ${excerpt(url.href, 200)} redirects back to ${excerpt(next.href, 200)}`);
        if (seen.length > this.options.maxRedirects) throw new FetchFailure('redirects', `more than ${this.options.maxRedirects} redirects from ${excerpt(seen[0]!, 200)}`);
        seen.push(next.href);
        url = next;
        continue;
      }
      if (status < 200 || status > 299) {
        res.resume();
        const text = `HTTP ${status}${res.statusMessage ? ` ${excerpt(res.statusMessage, 60)}` : ''} for ${excerpt(url.href, 200)}`;
        if (status === 404 || status === 410) throw new FetchFailure('not-found', text);
        throw new FetchFailure('http-status', text, TRANSIENT_STATUS(status));
      }
      return {
        headers: res.headers,
        body: bodyOf(res, url, timedOut, this.options.timeoutMs),
        cancel: () => req.destroy(),
      };
    }
  }

  /** Run `attempt`, again after a transient FetchFailure, waiting longer each time. */
  async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (e) {
        if (!(e instanceof FetchFailure) || !e.transient || n >= this.options.retries) throw e;
        const base = this.options.backoffMs * 2 ** n;
        await delay(base + Math.random() * base * 0.5);
      }
    }
  }
}

/** The body of `res`, with a connection that closes early said as truncated (or timed out). */
async function* bodyOf(res: IncomingMessage, url: URL, timedOut: () => boolean, timeoutMs: number): AsyncGenerator<Buffer> {
  const timeout = (): FetchFailure => new FetchFailure('timeout', `no data from ${excerpt(url.host, 100)} for ${timeoutMs / 1000} s while reading ${excerpt(url.href, 200)} (timed out)`, true);
  const truncated = (): FetchFailure => new FetchFailure('truncated', `the connection closed before the end of ${excerpt(url.href, 200)} (truncated)`, true);
  try {
    for await (const chunk of res) yield chunk as Buffer;
  } catch (e) {
    if (timedOut() || (e instanceof FetchFailure && e.kind === 'timeout')) throw timeout();
    if (e instanceof FetchFailure) throw e;
    throw truncated();
  }
  // A body without length or chunks ends without an error when the timeout destroys the request.
  if (timedOut()) throw timeout();
  // node ends the stream without an error when a response without Content-Length or chunked
  // framing is cut; `complete` says whether the framing was honoured.
  if (!res.complete) throw truncated();
}
