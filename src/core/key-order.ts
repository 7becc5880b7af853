// The order OSS lists keys in: by their UTF-8 bytes. The server sorts its index by it; the client's tree walk
// visits local files in it, so a directory and a listing can be compared side by side.

/** Compares two strings by their UTF-8 encodings without encoding them. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (astral char, 4 UTF-8 bytes starting 0xF0) sorts after every BMP char in UTF-8.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && (xs ? y >= 0xe000 : x >= 0xe000)) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
