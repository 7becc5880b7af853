// The commands that read, list, delete or administer (everything but the transfers cp, sync and mv), declared for
// program.ts. Each command's module is loaded when it runs.
import { Option, type Command } from 'commander';
import type { AbortFlags } from './commands/abort.js';
import type { LsFlags } from './commands/ls.js';
import type { RmFlags } from './commands/rm-tree.js';
import type { ServeFlags } from './commands/serve.js';
import type { SignFlags } from './commands/sign.js';
import type { VersionFlag } from './commands/stat.js';
import { addCommonOptions, type CommonOptions, type CpFlags } from './options.js';
import { addCorsCommands } from './cors-options.js';
import { addFilterOptions } from './tree-options.js';
import { UsageError } from './usage-error.js';
import type { Io } from './session.js';

/** Wraps an action so that its exit code reaches main.ts. */
export type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

/** Declares one command (arguments, flags, help, action) on the program. */
export type DefineCommand = (program: Command, act: Act, io: Io) => void;

/** du, cat, ls, stat, rm, mb, rb, versioning, cors, uploads, abort, sign and serve. */
export const MORE_COMMANDS: Record<string, DefineCommand> = {
  du: (program, act, io) => {
    addCommonOptions(
      program
        .command('du')
        .description('count the objects and bytes under oss://bucket[/prefix], by storage class')
        .argument(
          '<url>',
          'oss://bucket, or oss://bucket/prefix (matched as typed: oss://b/photos also counts photos2/)',
        )
        .addHelpText('after', '\nExamples:\n  ossup du oss://bucket\n  ossup du oss://bucket/logs/2026/ --json'),
    ).action(
      act(async (url: string, flags: CommonOptions) => (await import('./commands/du.js')).duCommand(url, flags, io)),
    );
  },
  cat: (program, act, io) => {
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
  },
  ls: (program, act, io) => {
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
  },
  stat: (program, act, io) => {
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
  },
  rm: (program, act, io) => {
    addFilterOptions(
      addCommonOptions(
        program
          .command('rm')
          .description('delete an object, or with -r every object under a prefix')
          .argument('<url>', 'oss://bucket/key (oss://bucket/prefix/ with -r)')
          .option(
            '-r, --recursive',
            'delete every object under the prefix (DeleteMultipleObjects, 1,000 keys a request)',
          )
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
  },
  mb: (program, act, io) => {
    addCommonOptions(
      program
        .command('mb')
        .description('make a bucket (3-63 characters: a-z, 0-9 and -)')
        .argument('<url>', 'oss://bucket'),
    ).action(
      act(async (url: string, flags: CommonOptions) =>
        (await import('./commands/mutate.js')).mbCommand(url, flags, io),
      ),
    );
  },
  rb: (program, act, io) => {
    addCommonOptions(
      program
        .command('rb')
        .description('remove a bucket; it must be empty (rm -r oss://bucket empties it)')
        .argument('<url>', 'oss://bucket'),
    ).action(
      act(async (url: string, flags: CommonOptions) =>
        (await import('./commands/mutate.js')).rbCommand(url, flags, io),
      ),
    );
  },
  versioning: (program, act, io) => {
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
  },
  cors: addCorsCommands,
  uploads: (program, act, io) => {
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
  },
  abort: (program, act, io) => {
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
  },
  sign: (program, act, io) => {
    addCommonOptions(
      program
        .command('sign')
        .description(
          'print a presigned URL that plain HTTP (curl, a browser) can use until it expires; nothing is sent',
        )
        .argument('<url>', 'oss://bucket/key')
        .option('--expires <duration>', 'validity: 90s, 30m, 12h, 7d (at most 7d with V4, the default signature)', '1h')
        .addOption(new Option('--method <method>', 'what the URL allows').choices(['GET', 'PUT']).default('GET'))
        .option('--content-type <type>', 'PUT only: the Content-Type the uploader must send (it is signed)'),
    ).action(
      act(async (url: string, flags: SignFlags) => (await import('./commands/sign.js')).signCommand(url, flags, io)),
    );
  },
  serve: (program, act, io) => {
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
      .option(
        '--body-timeout <duration>',
        'answer 400 RequestTimeout to a request body stalled this long (default: 30s)',
      )
      .option(
        '--min-body-rate <size>',
        'answer 400 RequestTimeout to a request body slower than this per second, over each --body-timeout (default: 1KiB; 0 = off)',
      )
      .option('--idle-timeout <duration>', 'close a connection on which nothing moves for this long (default: 2m)')
      .option('--max-connections <n>', 'connections served at once; more are refused (default: 256)')
      .option(
        '--throttle <limits>',
        'answer 503 like OSS past a bandwidth and/or request rate: 8MiB/s, 100qps, or both (8MiB/s,100qps)',
      )
      .option('--debug', 'print stack traces with errors')
      .action(act(async (flags: ServeFlags) => (await import('./commands/serve.js')).serveCommand(flags, io)));
  },
};
