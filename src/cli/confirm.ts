// Asking before something that cannot be undone: y/N on a terminal, refused off one unless --force.
import { createInterface } from 'node:readline';
import type { Io } from './session.js';
import { UsageError } from './usage-error.js';

/**
 * Resolves true when the user answers y or yes on the terminal; false for anything else (Enter, EOF). Off a terminal
 * (stdin or stderr not a TTY) there is nobody to ask: a UsageError that names `--force`.
 */
export async function confirmOrRefuse(io: Io, what: string, force: boolean | undefined): Promise<boolean> {
  if (force) return true;
  const input = (io.stdin ?? process.stdin) as NodeJS.ReadStream;
  if (!input.isTTY || !io.stderr.isTTY) {
    throw new UsageError(
      `${what}; off a terminal nothing can ask first, so it needs --force (-f)`,
      'add --force to go ahead without asking, or --dry-run to list what would be done',
    );
  }
  const rl = createInterface({ input, terminal: false });
  return new Promise<boolean>((resolve) => {
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(/^\s*y(es)?\s*$/i.test(line));
    });
    rl.once('close', () => {
      if (!answered) resolve(false);
    });
    io.stderr.write(`ossup: ${what}. Continue? [y/N] `);
  });
}
