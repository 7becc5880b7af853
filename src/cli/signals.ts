import { EXIT_INTERRUPTED } from './exit.js';

/**
 * Ctrl-C semantics for a transfer: the first SIGINT or SIGTERM aborts `controller` (the engine stops scheduling
 * parts, ends the requests in flight and keeps its checkpoint); a second one exits at once, because someone who
 * presses Ctrl-C twice does not want to wait for sockets to close. Returns the function that uninstalls it.
 */
export function interruptOnSignals(
  controller: AbortController,
  stderr: NodeJS.WriteStream,
  onFirst?: () => void,
): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      onFirst?.();
      controller.abort(new Error(`interrupted by ${signal}`));
      return;
    }
    stderr.write('\nossup: interrupted again; exiting now (the checkpoint keeps every part already confirmed)\n');
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
