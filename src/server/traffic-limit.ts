// x-oss-traffic-limit: a per-request bandwidth cap in bit/s, as a header or (presigned URLs) a query parameter.
// OSS takes 819200..838860800 (100 KiB/s to 100 MiB/s) and refuses anything else or both forms at once with 400
// (docs/OSS-PROTOCOL.md §10); the embedded server paces that request's body, received or sent, to the cap.
import { HEADERS } from '../core/dialect.js';
import { Pacer } from '../core/pacer.js';
import { ErrorReply } from './errors.js';
import { q, type OssRequest } from './request.js';

export const MIN_TRAFFIC_LIMIT = 819_200;
export const MAX_TRAFFIC_LIMIT = 838_860_800;

/** The request's cap in bit/s, or undefined without one; 400 InvalidArgument for a value OSS refuses. */
export function trafficLimitOf(req: OssRequest): number | undefined {
  const header = req.headers[HEADERS.trafficLimit];
  const query = q(req, HEADERS.trafficLimit);
  if (header !== undefined && query !== undefined) {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: HEADERS.trafficLimit, ArgumentValue: query },
      { message: 'x-oss-traffic-limit is both a header and a query parameter; send one.', ec: '0004-00000501' },
    );
  }
  const v = header ?? query;
  if (v === undefined) return undefined;
  const bits = /^\d{1,10}$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
  if (!(bits >= MIN_TRAFFIC_LIMIT && bits <= MAX_TRAFFIC_LIMIT)) {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: HEADERS.trafficLimit, ArgumentValue: v },
      {
        message: `x-oss-traffic-limit must be an integer from ${MIN_TRAFFIC_LIMIT} to ${MAX_TRAFFIC_LIMIT} (bit/s).`,
        ec: '0004-00000502',
      },
    );
  }
  return bits;
}

/**
 * The chunks of `src` re-cut into slices of 1/20 s and paced so that, `t` ms after the first one, at most
 * `t * rate` bytes plus one slice have gone through (a bucket that holds one slice). Reading a request body this
 * way holds the sender back by TCP flow control.
 */
export async function* paced(
  src: AsyncIterable<Buffer>,
  bitsPerSecond: number,
  now: () => number = () => performance.now(),
): AsyncGenerator<Buffer> {
  const bytesPerSecond = bitsPerSecond / 8;
  const slice = Math.max(1024, Math.floor(bytesPerSecond / 20));
  const pacer = new Pacer(bytesPerSecond, { burstSeconds: slice / bytesPerSecond, now });
  for await (const chunk of src) {
    for (let at = 0; at < chunk.length; at += slice) {
      const piece = chunk.subarray(at, at + slice);
      await pacer.take(piece.length);
      yield piece;
    }
  }
}
