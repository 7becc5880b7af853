// A server that can be told to throttle (`ossup serve --throttle`, ServerOptions.throttle), so a client's handling of
// OSS's throttling is tested for real: past the allowed bandwidth or request rate a request is answered 503 with
// OSS's codes (UploadTrafficRateLimitExceeded, DownloadTrafficRateLimitExceeded, TotalQpsLimitExceeded) and the wait
// in x-oss-qos-delay-time (milliseconds, as OSS sends it) and Retry-After (whole seconds).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorReply } from './errors.js';

export interface ThrottleOptions {
  /** Bytes per second admitted, uploads and downloads counted apart (as OSS limits them); 0 or absent: none. */
  bytesPerSecond?: number;
  /** Requests per second admitted (TotalQpsLimitExceeded past it); 0 or absent: none. */
  requestsPerSecond?: number;
}

/**
 * A token bucket per limit. A request is let in while its bucket is not in debt and is charged its bytes (an upload
 * its Content-Length on arrival, a download its response's when sent), so the bytes admitted average the rate
 * whatever the request sizes; one arriving in debt is refused with the time until the debt is paid.
 */
export class Throttle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly opts: ThrottleOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws the 503 ErrorReply for a request past a limit; else charges it. */
  admit(raw: IncomingMessage, res: ServerResponse): void {
    const qps = this.opts.requestsPerSecond;
    if (qps) this.take('qps', qps, 1, 'TotalQpsLimitExceeded', 1);
    const rate = this.opts.bytesPerSecond;
    if (!rate) return;
    const method = raw.method ?? 'GET';
    if (method === 'PUT' || method === 'POST') {
      const length = Number(raw.headers['content-length'] ?? 0);
      if (length > 0) this.take('up', rate, 0, 'UploadTrafficRateLimitExceeded', length);
    } else if (method === 'GET') {
      this.take('down', rate, 0, 'DownloadTrafficRateLimitExceeded', 0);
      res.once('finish', () => {
        const sent = Number(res.getHeader('content-length') ?? 0);
        if (res.statusCode < 300 && sent > 0) this.charge('down', rate, sent);
      });
    }
  }

  /** Refill `name` at `rate` per second, refuse if below `floor` (the wait says when it is not), else charge `cost`. */
  private take(name: string, rate: number, floor: number, code: ThrottleCode, cost: number): void {
    const b = this.refill(name, rate);
    if (b.tokens < floor) {
      const delayMs = Math.max(1, Math.ceil(((floor - b.tokens) / rate) * 1000));
      throw new ErrorReply(
        code,
        {},
        { headers: { 'x-oss-qos-delay-time': String(delayMs), 'Retry-After': String(Math.ceil(delayMs / 1000)) } },
      );
    }
    b.tokens -= cost;
  }

  private charge(name: string, rate: number, cost: number): void {
    this.refill(name, rate).tokens -= cost;
  }

  private refill(name: string, rate: number): { tokens: number; at: number } {
    const now = this.now();
    let b = this.buckets.get(name);
    if (!b) {
      b = { tokens: cap(rate), at: now };
      this.buckets.set(name, b);
    }
    b.tokens = Math.min(cap(rate), b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    return b;
  }
}

/** A bucket holds at most half a second's worth (and always room for one request). */
const cap = (rate: number) => Math.max(1, rate / 2);

type ThrottleCode = 'UploadTrafficRateLimitExceeded' | 'DownloadTrafficRateLimitExceeded' | 'TotalQpsLimitExceeded';
