// Uses the shared pool (hashes one range, or with "warm" only starts its worker) and then simply ends: the process
// must exit without closing the pool.
import { hashPool } from '../../../src/transfer/hash/pool.js';

if (process.argv[2] === 'warm') {
  hashPool().warm();
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the worker come up
  process.stdout.write(`${JSON.stringify({ warmed: true })}\n`);
} else {
  const d = await hashPool().hash(process.argv[2]!, 0, Number(process.argv[3]));
  process.stdout.write(`${JSON.stringify({ md5: d.md5.toString('hex'), crc64: String(d.crc64) })}\n`);
}
