import { Command } from 'commander';
import type { TreeCommandFlags } from './commands/tree.js';
import { isStreamCp } from './oss-url.js';
import { addCpOptions } from './options.js';
import { addTreeOptions, SINGLE_OBJECT_FLAGS, SYNC_FLAG_TEXT } from './tree-options.js';
import { type Act, type DefineCommand, MORE_COMMANDS } from './program-commands.js';
import { addRcloneOptions } from './rclone-options.js';
import { addHelpExamples } from './help-examples.js';
import type { Io } from './session.js';
import { packageVersion } from './version.js';

/**
 * The command tree, one definition per command. Each command's module is loaded when it runs, so `ossup --version`
 * or `ossup stat` does not pay for loading every other command (start-up is a large share of a short command's run).
 */
const COMMANDS: Record<string, DefineCommand> = {
  cp: (program, act, io) => {
    addTreeOptions(
      addCpOptions(
        program
          .command('cp')
          .description(
            'upload a file to oss://bucket/key, download oss://bucket/key to a file, or copy between objects on the server; -r: a whole directory or prefix',
          )
          .argument(
            '<src>',
            'local file (a directory with -r), oss://bucket/key (oss://bucket/prefix/ with -r), or - for standard input',
          )
          .argument(
            '<dst>',
            'oss://bucket/key (ending in "/" keeps the file name), a local file or directory/, or - for standard output',
          )
          .argument('[more...]', 'with several sources, the last argument is the destination (a prefix or directory)')
          .addHelpText(
            'after',
            '\nExamples:\n' +
              '  ossup cp photo.jpg oss://bucket/photos/    # a key ending in / keeps the name\n' +
              '  ossup cp -r oss://a/logs/ oss://b/old/logs/   # copy a prefix on the server\n' +
              '  ossup cp oss://bucket/photos/photo.jpg .   # download into this directory\n' +
              '  tar c dir | ossup cp - oss://bucket/dir.tar   # upload a stream\n' +
              '\nStreams: a stream cannot be resumed, so with - (stdin or stdout) nothing is\n' +
              'checkpointed: an interrupted or failed upload from stdin is aborted on the\n' +
              'server and must be rerun whole. Parts from stdin start at 8MiB and grow\n' +
              '(--part-size fixes them, --expected-size sizes them); --parallel parts are\n' +
              'held in memory at most.',
          ),
      ),
    ).action(
      act(async (src: string, dst: string, more: string[], flags: TreeCommandFlags) => {
        if (more.length > 0)
          return (await import('./commands/cp-many.js')).cpManyCommand([src, dst, ...more], flags, io);
        // `-` with -r goes to cp, which refuses it (exit 2): a stream is one object.
        if (flags.recursive && !isStreamCp(src, dst)) {
          return (await import('./commands/tree.js')).treeCommand(src, dst, 'cp -r', flags, io);
        }
        return (await import('./commands/cp.js')).cpCommand(src, dst, flags, io);
      }),
    );
  },
  sync: (program, act, io) => {
    addTreeOptions(
      addCpOptions(
        program
          .command('sync')
          .description(
            'make oss://bucket/prefix/ match a directory, a directory match a prefix, or one prefix match another (copied on the server): sends only what is new or changed',
          )
          .argument('<src>', 'a local directory, or oss://bucket/prefix/')
          .argument('<dst>', 'oss://bucket/prefix/, or a local directory (created if missing)')
          .addHelpText(
            'after',
            '\nExamples:\n' +
              '  ossup sync ./site oss://bucket/www/ --delete   # send changes, delete the rest\n' +
              '  ossup sync oss://a/data/ oss://b/backup/ --dry-run   # copies on the server',
          )
          .option('--delete', 'also delete what exists only at the destination (after every transfer succeeded)')
          .option('--checksum', 'compare size and CRC-64 instead of size and mtime')
          .option(
            '--snapshot-path <dir>',
            'directory of the sync snapshot: files unchanged since the last sync need no request (default: $OSSUP_HOME/snapshots)',
          )
          .option('--no-snapshot', 'keep no snapshot: every file of equal size is compared with a HEAD'),
      ),
      { hide: SINGLE_OBJECT_FLAGS, describe: SYNC_FLAG_TEXT },
    ).action(
      act(async (src: string, dst: string, flags: TreeCommandFlags) =>
        (await import('./commands/tree.js')).treeCommand(src, dst, 'sync', flags, io),
      ),
    );
  },
  // issue 24: mv, du (new commands in commands/mv.ts, commands/du.ts)
  mv: (program, act, io) => {
    addTreeOptions(
      addCpOptions(
        program
          .command('mv')
          .description(
            'move: cp, then remove each source once its copy is verified by CRC-64 (upload, download or on the server)',
          )
          .argument('<src>', 'local file (a directory with -r), or oss://bucket/key (oss://bucket/prefix/ with -r)')
          .argument('<dst>', 'oss://bucket/key (ending in "/" keeps the name), or a local file or directory')
          .addHelpText(
            'after',
            '\nA source is removed only after its copy matched its CRC-64; a failed or\n' +
              'unverifiable copy keeps it, and a rerun moves what is left (a copy already\n' +
              'there with the same CRC-64 is not sent again). -r also removes the\n' +
              'directories a move empties.\n\n' +
              'Examples:\n' +
              '  ossup mv report.csv oss://bucket/archive/   # upload, then delete report.csv\n' +
              '  ossup mv -r oss://bucket/inbox/ oss://b2/done/   # server-side, then delete',
          ),
      ),
      {
        hide: [
          '--range',
          '--callback-url',
          '--callback-body',
          '--callback-body-type',
          '--callback-host',
          '--callback-var',
        ],
      },
    ).action(
      act(async (src: string, dst: string, flags: TreeCommandFlags) =>
        (await import('./commands/mv.js')).mvCommand(src, dst, flags, io),
      ),
    );
  },
  ...MORE_COMMANDS,
};

/**
 * The program for one command line. Commander prints its own one-line errors (unknown flag, missing argument, bad
 * choice) through `configureOutput`; main.ts turns them into exit code 2. Each action reports its exit code through
 * `setExit`. With `args`, only the command they name is declared (see commandsFor).
 */
export function buildProgram(io: Io, setExit: (code: number) => void, args?: readonly string[]): Command {
  const program = rootCommand(io);
  const act: Act =
    (fn) =>
    async (...args) => {
      setExit(await fn(...args));
    };
  for (const name of commandsFor(args)) COMMANDS[name]!(program, act, io);
  addRcloneOptions(program, io);
  addHelpExamples(program);
  // Each command's own name in its hint (commander copies the parent's text, which cannot know it).
  for (const c of program.commands) c.showHelpAfterError(`hint: ossup help ${c.name()} shows its arguments and flags`);
  return program;
}

/**
 * The commands to declare: only the one the command line starts with, when it starts with one (declaring all
 * of them, with their flags and help, costs a short command several milliseconds of start-up); none for `--version`
 * alone; every one for help, an empty line or an unknown command (whose error suggests the nearest name).
 */
function commandsFor(args: readonly string[] | undefined): string[] {
  const first = args?.[0];
  if (args?.length === 1 && (first === '--version' || first === '-V')) return [];
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
}

/** The program itself: its output, error hints, version and help text (subcommands copy these settings). */
function rootCommand(io: Io): Command {
  const program = new Command('ossup');
  // Settings first: subcommands copy them when they are created.
  program
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`ossup: ${s.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('hint: ossup --help lists the commands')
    .showSuggestionAfterError(true)
    .description('Resumable, verified uploads to Alibaba Cloud OSS (or to the embedded OSS-compatible server).')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText(
      'after',
      '\nWith no endpoint configured (--endpoint, OSS_ENDPOINT, ~/.ossutilconfig),\n' +
        'commands use an embedded server over $OSSUP_HOME/data (default ~/.ossup/data).\n' +
        'Exit codes: 0 ok, 1 failed, 2 bad usage or input, 130 interrupted.',
    );
  return program;
}
