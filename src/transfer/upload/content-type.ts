// The Content-Type an upload is given from its name's extension: mime's tables (the `mime` package's standard and
// other types), the answer of mime's getType. mime's default instance builds three maps of every type and extension
// when first imported, ~2 ms of each `cp`'s start-up through its private-field helpers (issue 27); this builds one
// map, of extensions, on the first lookup.
import otherTypes from 'mime/types/other.js';
import standardTypes from 'mime/types/standard.js';

let byExtension: Map<string, string> | undefined;

/** The type of `path`'s extension, or null: `mime.getType(path)`. */
export function contentTypeOf(path: string): string | null {
  const last = path.replace(/^.*[/\\]/s, '').toLowerCase();
  const ext = last.replace(/^.*\./s, '');
  // A last segment without a dot is an extension only as the whole argument ("txt"), not after a path ("a/txt").
  if (ext.length >= last.length - 1 && last.length < path.length) return null;
  byExtension ??= extensionMap();
  return byExtension.get(ext) ?? null;
}

function extensionMap(): Map<string, string> {
  const map = new Map<string, string>();
  for (const types of [standardTypes, otherTypes] as Array<Record<string, readonly string[]>>)
    // A starred extension names a type that another type's entry owns (mime skips it the same way).
    for (const [type, extensions] of Object.entries(types))
      for (const ext of extensions) if (!ext.startsWith('*')) map.set(ext.toLowerCase(), type.toLowerCase());
  return map;
}
