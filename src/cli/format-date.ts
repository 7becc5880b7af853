// The listing date column, shared by ls, ls --versions and stat.
/** `2026-11-21 19:27:03` (UTC) from an ISO date, or blanks when the server sent none. */
export function formatDate(iso: string | Date | undefined): string {
  if (!iso) return ''.padEnd(19);
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return ''.padEnd(19);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
