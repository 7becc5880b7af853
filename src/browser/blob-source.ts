// A Blob (or a picked File) as the engine's PartSource. Parts are read one by one with blob.slice().arrayBuffer(), so
// memory holds the parts in flight, never the file; each is CRC-64'd with core's WebAssembly kernel. WebCrypto has
// no MD5: parts go without Content-MD5 and are verified by the CRC-64 the server returns for them.
import { crc64 } from '../core/crc64.js';
import { FileChangedError } from '../core/errors.js';
import type { PartBytes, PartSource, PlannedPart, ReadOptions } from '../transfer/engine/ports.js';

/** The fields of a File a checkpoint is keyed by; a plain Blob has only size and type. */
interface FileLike {
  readonly size: number;
  readonly type: string;
  readonly name?: string;
  readonly lastModified?: number;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** What a checkpoint records to tell this file from another. */
export interface BlobIdentity {
  [field: string]: string | number;
  name: string;
  size: number;
  type: string;
  lastModified: number;
}

const NO_MD5 = new Uint8Array(0);

export class BlobSource implements PartSource {
  readonly name: string;
  readonly size: number;
  readonly replayable = true;
  readonly identity: BlobIdentity;

  constructor(private readonly blob: FileLike) {
    this.name = blob.name ?? 'blob';
    this.size = blob.size;
    this.identity = { name: this.name, size: blob.size, type: blob.type, lastModified: blob.lastModified ?? 0 };
  }

  async read(part: PlannedPart, opts: ReadOptions = {}): Promise<PartBytes> {
    opts.signal?.throwIfAborted();
    let data: Uint8Array;
    try {
      data = new Uint8Array(await this.blob.slice(part.start, part.start + part.size).arrayBuffer());
    } catch (err) {
      // Chromium refuses to read a picked file that changed on disk since it was picked (NotReadableError).
      throw new FileChangedError(this.name, `${this.name} can no longer be read (changed since it was picked?)`, {
        cause: err,
      });
    }
    if (data.length !== part.size) {
      throw new FileChangedError(this.name, `${this.name} is shorter than part ${part.number} needs`);
    }
    const crc = crc64(data);
    return { size: data.length, ...(opts.discard ? {} : { data }), body: data, md5: NO_MD5, crc64: crc };
  }
}
