import { CommanderError } from 'commander';
import { ActionFailed, EXIT_OK, EXIT_USAGE, exitCodeFor, renderError } from './exit.js';
import { buildProgram } from './program.js';
import type { Io } from './session.js';
import { offerNativeCrc64 } from '../io/crc64-native.js';
import { setProcessFlags } from './v8-flags.js';

// CRC-64 through the native kernel where it was built (loaded when an input first needs it, not at start-up).
offerNativeCrc64();

/**
 * Runs one `ossup` command line and returns its exit code; never throws and never exits the process itself
 * (except a second Ctrl-C, see signals.ts), so it can be driven from a test as well as from bin/ossup.js.
 */
export async function main(args: string[], io: Io): Promise<number> {
  const debug = args.includes('--debug');
  let exitCode = EXIT_OK;
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    args,
  );
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; every other commander error was a bad command line and
      // commander has already printed its one-line message.
      if (err.exitCode === 0) return EXIT_OK;
      return EXIT_USAGE;
    }
    const inner = err instanceof ActionFailed ? err.error : err;
    const action = err instanceof ActionFailed ? err.action : undefined;
    const bucket = err instanceof ActionFailed ? err.bucket : undefined;
    io.stderr.write(renderError(inner, { action, bucket, debug }));
    return exitCodeFor(inner);
  }
}

/** Entry point for bin/ossup.js: run, flush, exit (the exit also drops idle keep-alive sockets). */
export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  // V8 heap tuning for the ossup process, never a library user's (v8-flags.ts).
  setProcessFlags();
  // No stdin: process.stdin makes its stream when first read, which only `cp - oss://...` and a prompt need. Nor
  // stdout until a command writes to it: making the stream of a pipe costs ~1.5 ms, which `cp -q` need not pay.
  let stdout: NodeJS.WriteStream | undefined;
  const io: Io = {
    get stdout() {
      if (stdout === undefined) {
        stdout = process.stdout;
        // `ossup ls | head -1` closes the pipe early: that is the reader being done, not an error worth a trace.
        stdout.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'EPIPE') process.exit(0);
        });
      }
      return stdout;
    },
    stderr: process.stderr,
    env: process.env,
  };
  const code = await main(argv, io);
  await Promise.all([stdout && flush(stdout), flush(process.stderr)]);
  process.exit(code);
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
