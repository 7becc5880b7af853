// Deleting objects in bulk: DeleteMultipleObjects, 1,000 keys a request, fed from a stream so a prefix of any size
// is deleted with one page of keys in memory.
import { performance } from 'node:perf_hooks';
import { abortError } from '../../core/errors.js';
import type { OssClient } from '../../client/index.js';
import { compileFilter } from './filter.js';
import { folderPrefix, listRemote, type RemoteEntry } from './listing.js';
import { compileSelect, selectRemote, type TreeSelect } from './select.js';
import type { FilterRule, TreeFailure, TreeFileResult } from './types.js';

export const DELETE_BATCH = 1000;

export interface DeleteTarget {
  rel: string;
  key: string;
  size: number;
  etag: string;
}

export interface DeleteKeysOptions {
  dryRun?: boolean;
  signal?: AbortSignal;
  onDone?: (r: TreeFileResult) => void;
  onFailed?: (f: TreeFailure) => void;
}

/** Deletes `targets` in batches of 1,000; a batch that fails marks each of its keys failed and the next goes on. */
export async function deleteKeys(
  client: OssClient,
  bucket: string,
  targets: Iterable<DeleteTarget> | AsyncIterable<DeleteTarget>,
  opts: DeleteKeysOptions = {},
): Promise<{ deleted: number; failed: number }> {
  let batch: DeleteTarget[] = [];
  let deleted = 0;
  let failed = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const started = performance.now();
    let refused = new Set<string>();
    let error: unknown;
    if (!opts.dryRun) {
      try {
        refused = new Set(
          (
            await client.deleteObjects(
              bucket,
              items.map((t) => t.key),
              { signal: opts.signal },
            )
          ).failed,
        );
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        error = err;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    for (const t of items) {
      if (error !== undefined || refused.has(t.key)) {
        failed++;
        opts.onFailed?.({
          rel: t.rel,
          name: `oss://${bucket}/${t.key}`,
          error: error ?? new Error('the server did not delete it'),
        });
        continue;
      }
      deleted++;
      opts.onDone?.({
        action: 'delete',
        rel: t.rel,
        bucket,
        key: t.key,
        file: '',
        size: t.size,
        etag: t.etag,
        crc64: '',
        parts: 0,
        resumedBytes: 0,
        transferredBytes: 0,
        seconds,
        reason: 'only at the destination',
        dryRun: opts.dryRun === true,
      });
    }
  };
  for await (const t of targets) {
    batch.push(t);
    if (batch.length >= DELETE_BATCH) await flush();
  }
  await flush();
  return { deleted, failed };
}

export interface DeletePrefixOptions extends DeleteKeysOptions {
  /** Include/exclude rules against the key relative to the prefix. */
  filters?: FilterRule[];
  /** Selection by size, age, an exact list of keys and depth (relative to the prefix). */
  select?: TreeSelect;
}

/** Deletes every object under `prefix` (a folder: 'a' means 'a/'), streaming the listing. */
export async function deletePrefix(
  client: OssClient,
  bucket: string,
  prefix: string,
  opts: DeletePrefixOptions = {},
): Promise<{ deleted: number; failed: number }> {
  const keep = compileFilter(opts.filters);
  const folder = folderPrefix(prefix);
  async function* matching(): AsyncGenerator<RemoteEntry> {
    for await (const o of listRemote(client, bucket, folder, opts.signal, true)) if (keep(o.rel)) yield o;
  }
  async function* targets(): AsyncGenerator<DeleteTarget> {
    for await (const o of selectRemote(matching(), compileSelect(opts.select), client, bucket, opts.signal))
      yield { rel: o.rel, key: o.key, size: o.size, etag: o.etag };
  }
  return deleteKeys(client, bucket, targets(), opts);
}
