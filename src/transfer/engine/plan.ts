import { ArgumentError } from '../../core/errors.js';
import { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from '../../core/limits.js';

/** The seeds' default part size. */
export const DEFAULT_PART_SIZE = MIN_PART_SIZE;

export interface PlannedPart {
  /** 1-based part number. */
  number: number;
  /** Byte offset of the part in the file. */
  start: number;
  /** Length in bytes. */
  size: number;
}

export interface PartPlan {
  /** Part size actually used (may be larger than asked, to stay within 10,000 parts). */
  partSize: number;
  /** True when the file goes up in one PutObject instead of a multipart upload. */
  single: boolean;
  parts: PlannedPart[];
}

/**
 * Split a file of `fileSize` bytes into parts. A requested size outside 100 KiB..5 GiB is a caller error; a size
 * that would need more than 10,000 parts is raised (to a multiple of 4 KiB, so parts stay page-aligned on disk).
 * A file no larger than one part is a single PutObject.
 */
export function planParts(fileSize: number, requestedPartSize: number = DEFAULT_PART_SIZE): PartPlan {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new ArgumentError('fileSize', `file size must be a non-negative integer, got ${fileSize}`);
  }
  if (
    !Number.isSafeInteger(requestedPartSize) ||
    requestedPartSize < MIN_PART_SIZE ||
    requestedPartSize > MAX_PART_SIZE
  ) {
    throw new ArgumentError(
      'partSize',
      `partSize must be an integer between ${MIN_PART_SIZE} (100 KiB) and ${MAX_PART_SIZE} (5 GiB), got ${requestedPartSize}`,
    );
  }
  if (fileSize > MAX_PART_SIZE * MAX_PARTS) {
    throw new ArgumentError(
      'fileSize',
      `file of ${fileSize} bytes exceeds the OSS object limit of ${MAX_PART_SIZE * MAX_PARTS} bytes`,
    );
  }
  let partSize = requestedPartSize;
  if (Math.ceil(fileSize / partSize) > MAX_PARTS) {
    const needed = Math.ceil(fileSize / MAX_PARTS);
    partSize = Math.min(MAX_PART_SIZE, Math.ceil(needed / 4096) * 4096);
  }
  if (fileSize <= partSize) {
    return { partSize, single: true, parts: [{ number: 1, start: 0, size: fileSize }] };
  }
  const count = Math.ceil(fileSize / partSize);
  const parts: PlannedPart[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = i * partSize;
    parts[i] = { number: i + 1, start, size: Math.min(partSize, fileSize - start) };
  }
  return { partSize, single: false, parts };
}

/**
 * `plan` with its parts from index `from` on (none of them handed out yet) cut again at `partSize`, numbered on from
 * `from + 1`; the parts before `from` are kept as they were. An upload whose parts grow while it runs
 * (upload/resume-feed.ts): OSS takes parts of any sizes, every one but the last at least 100 KiB. A larger size only
 * lowers the part count, so the 10,000-part limit the plan met still holds.
 */
export function regrowPlan(plan: PartPlan, from: number, partSize: number): PartPlan {
  const kept = plan.parts.slice(0, from);
  const last = plan.parts[plan.parts.length - 1];
  const end = last ? last.start + last.size : 0;
  for (let start = plan.parts[from]?.start ?? end, n = from + 1; start < end; start += partSize, n++)
    kept.push({ number: n, start, size: Math.min(partSize, end - start) });
  return { partSize: plan.partSize, single: plan.single, parts: kept };
}
