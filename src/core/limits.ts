// OSS's hard limits (docs/OSS-PROTOCOL.md §2, §3), written once for the client, the server, the transfer engine
// and the CLI.

/** The smallest part: every part but the last must be at least this big (else EntityTooSmall at Complete). */
export const MIN_PART_SIZE = 100 * 1024;
/** The largest part. */
export const MAX_PART_SIZE = 5 * 1024 ** 3;
/** The highest part number (part numbers run 1..MAX_PARTS). */
export const MAX_PARTS = 10_000;
/** The largest object one PutObject may send. */
export const MAX_OBJECT_SIZE = 5 * 1024 ** 3;
