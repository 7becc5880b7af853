// The Node client's body helpers the transfer adapters and strategies use, in one place: replayable request bodies
// (a file range, bytes in memory), a response body that resumes itself, and giving socket buffers back. Strategies
// reach the client only through this module and the TransferClient type (engine/ports.ts).
export { bufferBody, fileRange, readRange, releaseBodyChunks, resumableBody } from '../../client/index.js';
