import { Command, Option } from 'commander';
import type { AbortFlags } from './commands/abort.js';
import type { LsFlags } from './commands/ls.js';
import type { RmFlags } from './commands/rm-tree.js';
import type { TreeCommandFlags } from './commands/tree.js';
import type { ServeFlags } from './commands/serve.js';
import type { SignFlags } from './commands/sign.js';
import type { VersionFlag } from './commands/stat.js';
import { UsageError } from './usage-error.js';
import { addCommonOptions, addCpOptions, type CommonOptions, type CpFlags } from './options.js';
import { addCorsCommands } from './cors-options.js';
import { addFilterOptions, addTreeOptions, SINGLE_OBJECT_FLAGS, SYNC_FLAG_TEXT } from './tree-options.js';
import { addRcloneOptions } from './rclone-options.js';
import { addHelpExamples } from './help-examples.js';
import type { Io } from './session.js';
import { packageVersion } from './version.js';

/**
 * The command tree. Each command's module is loaded when it runs, so `ossup --version` or `ossup stat` does not
 * pay for loading every other command (start-up is a large share of a short command's run).
 * Commander prints its own one-line errors (unknown flag, missing argument, bad choice) through
 * `configureOutput`; main.ts turns them into exit code 2. Each action reports its exit code through `setExit`.
 */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
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

  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      setExit(await fn(...args));
    };

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
      if (more.length > 0) return (await import('./commands/cp-many.js')).cpManyCommand([src, dst, ...more], flags, io);
      // `-` with -r goes to cp, which refuses it (exit 2): a stream is one object.
      const { isStreamCp } = await import('./commands/stream.js');
      if (flags.recursive && !isStreamCp(src, dst)) {
        return (await import('./commands/tree.js')).treeCommand(src, dst, 'cp -r', flags, io);
      }
      return (await import('./commands/cp.js')).cpCommand(src, dst, flags, io);
    }),
  );

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
        .option('--checksum', 'compare size and CRC-64 instead of size and mtime'),
    ),
    { hide: SINGLE_OBJECT_FLAGS, describe: SYNC_FLAG_TEXT },
  ).action(
    act(async (src: string, dst: string, flags: TreeCommandFlags) =>
      (await import('./commands/tree.js')).treeCommand(src, dst, 'sync', flags, io),
    ),
  );

  // issue 24: mv, du (new commands in commands/mv.ts, commands/du.ts)
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

  addCommonOptions(
    program
      .command('du')
      .description('count the objects and bytes under oss://bucket[/prefix], by storage class')
      .argument('<url>', 'oss://bucket, or oss://bucket/prefix (matched as typed: oss://b/photos also counts photos2/)')
      .addHelpText('after', '\nExamples:\n  ossup du oss://bucket\n  ossup du oss://bucket/logs/2026/ --json'),
  ).action(
    act(async (url: string, flags: CommonOptions) => (await import('./commands/du.js')).duCommand(url, flags, io)),
  );

  addCommonOptions(
    program
      .command('cat')
      .description('write an object to standard output (the same as cp oss://bucket/key -)')
      .argument('<url>', 'oss://bucket/key')
      .option(
        '--part-size <size>',
        'bytes per ranged GET (default 8MiB); --parallel of them are held in memory at most',
      )
      .option('--parallel <n>', `ranged GETs in flight, 1..64 (default: 4)`),
  ).action(
    act(async (url: string, flags: CpFlags) => (await import('./commands/stream.js')).catCommand(url, flags, io)),
  );

  addCommonOptions(
    program
      .command('ls')
      .description('list buckets, or the objects in oss://bucket[/prefix]')
      .argument('[url]', 'oss://bucket[/prefix] (none: list the buckets)')
      .option('-r, --recursive', 'list every object under the prefix, not just one level')
      .option('-l, --long', 'long listing: adds the storage class (--json always has it, with the ETag)')
      .option('--limit <n>', 'stop after n entries (objects, prefixes or buckets)')
      .option('--versions', 'list every version and delete marker, with the version ids --version-id takes')
      .addHelpText('after', '\nExamples:\n  ossup ls oss://bucket/logs/\n  ossup ls -lr oss://bucket --limit 20'),
  ).action(
    act(async (url: string | undefined, flags: LsFlags) =>
      (await import('./commands/ls.js')).lsCommand(url, flags, io),
    ),
  );

  addCommonOptions(
    program
      .command('stat')
      .description("show an object's size, ETag, CRC-64, type, storage class, ACL, tags and metadata")
      .argument('<url>', 'oss://bucket/key')
      .option('--version-id <id>', 'this version of the object instead of the latest (see ls --versions)'),
  ).action(
    act(async (url: string, flags: CommonOptions & VersionFlag) =>
      (await import('./commands/stat.js')).statCommand(url, flags, io),
    ),
  );

  addFilterOptions(
    addCommonOptions(
      program
        .command('rm')
        .description('delete an object, or with -r every object under a prefix')
        .argument('<url>', 'oss://bucket/key (oss://bucket/prefix/ with -r)')
        .option('-r, --recursive', 'delete every object under the prefix (DeleteMultipleObjects, 1,000 keys a request)')
        .option('--version-id <id>', 'delete this version for good (versioned buckets; see ls --versions)')
        .option('-f, --force', 'with -r on a whole bucket: delete without asking (needed off a terminal)'),
    ),
  ).action(
    act(async (url: string, flags: RmFlags & VersionFlag) => {
      const { refuseFilterFlags, rmTreeCommand } = await import('./commands/rm-tree.js');
      if (flags.recursive && flags.versionId !== undefined)
        throw new UsageError('--version-id deletes one version of one object; it does not go with -r');
      if (flags.recursive) return rmTreeCommand(url, flags, io);
      refuseFilterFlags(flags);
      return (await import('./commands/mutate.js')).rmCommand(url, flags, io);
    }),
  );

  addCommonOptions(
    program
      .command('mb')
      .description('make a bucket (3-63 characters: a-z, 0-9 and -)')
      .argument('<url>', 'oss://bucket'),
  ).action(
    act(async (url: string, flags: CommonOptions) => (await import('./commands/mutate.js')).mbCommand(url, flags, io)),
  );

  addCommonOptions(
    program
      .command('rb')
      .description('remove a bucket; it must be empty (rm -r oss://bucket empties it)')
      .argument('<url>', 'oss://bucket'),
  ).action(
    act(async (url: string, flags: CommonOptions) => (await import('./commands/mutate.js')).rbCommand(url, flags, io)),
  );

  addCommonOptions(
    program
      .command('versioning')
      .description("show a bucket's versioning state, or enable or suspend it (old versions are kept while enabled)")
      .argument('<url>', 'oss://bucket')
      .argument('[action]', 'enable | suspend (no action: print the state)'),
  ).action(
    act(async (url: string, action: string | undefined, flags: CommonOptions) =>
      (await import('./commands/versioning.js')).versioningCommand(url, action, flags, io),
    ),
  );

  addCorsCommands(program, act, io);

  addCommonOptions(
    program
      .command('uploads')
      .description('list incomplete multipart uploads (with age, parts and bytes), so orphans can be seen')
      .argument('<url>', 'oss://bucket[/prefix]'),
  ).action(
    act(async (url: string, flags: CommonOptions) =>
      (await import('./commands/uploads.js')).uploadsCommand(url, flags, io),
    ),
  );

  addCommonOptions(
    program
      .command('abort')
      .description('abort an incomplete multipart upload (--upload-id), or all older than an age (--all-older-than)')
      .argument('<url>', 'oss://bucket/key with --upload-id; oss://bucket[/prefix] with --all-older-than')
      .option('--upload-id <id>', 'the upload to abort (see ossup uploads)')
      .option(
        '--all-older-than <age>',
        'abort every upload under the prefix initiated longer ago than this, e.g. 7d, 12h',
      ),
  ).action(
    act(async (url: string, flags: AbortFlags) => (await import('./commands/abort.js')).abortCommand(url, flags, io)),
  );

  addCommonOptions(
    program
      .command('sign')
      .description('print a presigned URL that plain HTTP (curl, a browser) can use until it expires; nothing is sent')
      .argument('<url>', 'oss://bucket/key')
      .option('--expires <duration>', 'validity: 90s, 30m, 12h, 7d (at most 7d with V4, the default signature)', '1h')
      .addOption(new Option('--method <method>', 'what the URL allows').choices(['GET', 'PUT']).default('GET'))
      .option('--content-type <type>', 'PUT only: the Content-Type the uploader must send (it is signed)'),
  ).action(
    act(async (url: string, flags: SignFlags) => (await import('./commands/sign.js')).signCommand(url, flags, io)),
  );

  program
    .command('serve')
    .description('run the embedded OSS-compatible server until Ctrl-C')
    .option('--root <dir>', 'storage directory (default: $OSSUP_HOME/data)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '9000')
    .option(
      '--access-key-id <id>',
      'accepted AccessKeyId (default: $OSS_ACCESS_KEY_ID, else the pair kept for the data directory, printed)',
    )
    .option('--access-key-secret <secret>', 'its secret (default: $OSS_ACCESS_KEY_SECRET)')
    .option('--new-keys', 'replace the kept key pair with a new one (the old keys stop working)')
    .option('--region <region>', 'region that V4 signatures are scoped to (default: cn-hangzhou)')
    .option('--body-timeout <duration>', 'answer 400 RequestTimeout to a request body stalled this long (default: 30s)')
    .option(
      '--min-body-rate <size>',
      'answer 400 RequestTimeout to a request body slower than this per second, over each --body-timeout (default: 1KiB; 0 = off)',
    )
    .option('--idle-timeout <duration>', 'close a connection on which nothing moves for this long (default: 2m)')
    .option('--max-connections <n>', 'connections served at once; more are refused (default: 256)')
    .option('--debug', 'print stack traces with errors')
    .action(act(async (flags: ServeFlags) => (await import('./commands/serve.js')).serveCommand(flags, io)));

  addRcloneOptions(program, io);
  addHelpExamples(program);
  // Each command's own name in its hint (commander copies the parent's text, which cannot know it).
  for (const c of program.commands) c.showHelpAfterError(`hint: ossup help ${c.name()} shows its arguments and flags`);
  return program;
}
