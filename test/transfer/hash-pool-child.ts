// Hashes one range on the shared pool and then simply ends: the process must exit without closing the pool.
import { hashPool } from '../../src/transfer/hash-pool.js';

const d = await hashPool().hash(process.argv[2], 0, Number(process.argv[3]));
process.stdout.write(`${JSON.stringify({ md5: d.md5.toString('hex'), crc64: String(d.crc64) })}\n`);
