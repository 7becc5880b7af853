// Issue 11, finding 7: a checkpoint file is untrusted input. One that names an upload of another bucket or key
// (stale, misplaced, forged) is discarded with a warning; the upload it names is never aborted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OssClient } from '../../../src/client/index.js';
import { FileCheckpointStore } from '../../../src/transfer/checkpoint/store.js';
import { identityOf, snapshotFile } from '../../../src/transfer/checkpoint/file-identity.js';
import { uploadFile } from '../../../src/transfer/index.js';
import {
  UPLOAD_CHECKPOINT_VERSION,
  type PartRecord,
  type UploadCheckpointHeader,
} from '../../../src/transfer/upload/types.js';
import { startTestServer } from '../../../harness/server.js';

for (const size of [300 * 1024, 50 * 1024]) {
  test(`finding 7: a checkpoint naming another bucket's live upload leaves it alone (${size > 102400 ? 'multipart' : 'single PUT'})`, async (t) => {
    const server = await startTestServer();
    const dir = await mkdtemp(join(tmpdir(), 'ossup-forged-'));
    const client = new OssClient({ endpoint: server.endpoint, credentials: server.credentials });
    t.after(async () => {
      await client.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });
    await client.putBucket('victim');
    await client.putBucket('mine');
    // Someone else's upload in progress, with one part already sent.
    const live = await client.initiateMultipartUpload('victim', 'their-key');
    await client.uploadPart('victim', 'their-key', live.uploadId, 1, randomBytes(100 * 1024));
    const file = join(dir, 'f.bin');
    const data = randomBytes(size);
    await writeFile(file, data);
    const checkpoint = join(dir, 'f.ucp');
    const forged: UploadCheckpointHeader = {
      kind: 'ossup-upload',
      version: UPLOAD_CHECKPOINT_VERSION,
      endpoint: client.endpoint.url,
      bucket: 'victim',
      key: 'their-key',
      uploadId: live.uploadId,
      file: identityOf(await snapshotFile(file)),
      partSize: 100 * 1024,
      partCount: Math.ceil(size / (100 * 1024)),
    };
    const store = new FileCheckpointStore<UploadCheckpointHeader, PartRecord>(checkpoint);
    await store.start(forged);
    await store.close();
    const warnings: string[] = [];
    await uploadFile(client, {
      bucket: 'mine',
      key: 'k',
      file,
      partSize: 100 * 1024,
      checkpoint,
      onWarning: (w) => warnings.push(w),
    });
    assert.ok((await buffer((await client.getObject('mine', 'k')).body)).equals(data), 'the upload itself completed');
    const parts = await client.listParts('victim', 'their-key', live.uploadId);
    assert.equal(parts.parts.length, 1, 'the live upload of another bucket survived with its part');
    assert.equal(warnings.length, 1, warnings.join(' | '));
    assert.match(warnings[0]!, new RegExp(`names upload ${live.uploadId} of victim/their-key`));
  });
}
