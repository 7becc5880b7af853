// Server-side encryption headers (OSS-PROTOCOL-2.md §8). Nothing is encrypted at rest here: the settings are
// validated as OSS validates them, stored with the object, and echoed where OSS echoes them.
import { HEADERS } from '../../core/dialect.js';
import { ErrorReply } from '../errors.js';
import type { OssRequest } from '../request.js';
import type { SseSettings } from '../store/types.js';

const ALGORITHMS = new Set(['AES256', 'KMS', 'SM4']);

/** The SSE settings a write asks for; InvalidEncryptionAlgorithmError / InvalidDataEncryptionAlgorithmError. */
export function parseSse(req: OssRequest): SseSettings | undefined {
  const h = req.headers;
  const algorithm = h[HEADERS.serverSideEncryption];
  const data = h[HEADERS.serverSideDataEncryption];
  const keyId = h[HEADERS.serverSideEncryptionKeyId];
  if (algorithm === undefined) {
    if (data !== undefined || keyId !== undefined) {
      throw new ErrorReply(
        'InvalidArgument',
        { ArgumentName: HEADERS.serverSideEncryption, ArgumentValue: '' },
        { message: 'x-oss-server-side-data-encryption and -key-id need x-oss-server-side-encryption: KMS.' },
      );
    }
    return undefined;
  }
  if (!ALGORITHMS.has(algorithm)) {
    throw new ErrorReply('InvalidEncryptionAlgorithmError', {
      ArgumentName: HEADERS.serverSideEncryption,
      ArgumentValue: algorithm,
    });
  }
  if (data !== undefined && (data !== 'SM4' || algorithm !== 'KMS')) {
    throw new ErrorReply('InvalidDataEncryptionAlgorithmError', {
      ArgumentName: HEADERS.serverSideDataEncryption,
      ArgumentValue: data,
    });
  }
  if (keyId !== undefined && algorithm !== 'KMS') {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: HEADERS.serverSideEncryptionKeyId, ArgumentValue: keyId },
      { message: 'A KMS key id is only valid with x-oss-server-side-encryption: KMS.' },
    );
  }
  const sse: SseSettings = { algorithm: algorithm as SseSettings['algorithm'] };
  if (keyId) sse.keyId = keyId;
  if (data) sse.dataEncryption = 'SM4';
  return sse;
}

/** UploadPart takes its encryption from Initiate; the header on a part is an error (InitiateMultipartUpload doc). */
export function refuseSseOnPart(req: OssRequest): void {
  const v = req.headers[HEADERS.serverSideEncryption];
  if (v !== undefined) {
    throw new ErrorReply(
      'InvalidArgument',
      { ArgumentName: HEADERS.serverSideEncryption, ArgumentValue: v },
      { message: 'UploadPart does not take x-oss-server-side-encryption; set it at InitiateMultipartUpload.' },
    );
  }
}

/** Response headers naming an object's encryption. */
export function sseHeaders(sse: SseSettings | undefined): Record<string, string> {
  if (!sse) return {};
  const h: Record<string, string> = { [HEADERS.serverSideEncryption]: sse.algorithm };
  if (sse.algorithm === 'KMS') h[HEADERS.serverSideEncryptionKeyId] = sse.keyId ?? 'ossup-default-kms-key';
  if (sse.dataEncryption) h[HEADERS.serverSideDataEncryption] = sse.dataEncryption;
  return h;
}
