// The Node client's body helpers the transfer adapters and strategies use, in one place: replayable request bodies
// (a file range, bytes in memory), a response body that resumes itself (as a stream, or delivered chunk by chunk),
// and giving socket buffers back. Strategies reach the client only through this module and the TransferClient type
// (engine/ports.ts).
export {
  bufferBody,
  deliverResumable,
  fileRange,
  pumpChunks,
  readRange,
  releaseBodyChunks,
  resumableBody,
} from '../../client/index.js';
