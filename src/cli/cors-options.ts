// `ossup cors set|get|rm`: declared here, run by commands/cors.ts (loaded only when one of them runs).
import type { Command } from 'commander';
import type { CorsSetFlags } from './commands/cors.js';
import { addCommonOptions, collect, type CommonOptions } from './options.js';
import type { Io } from './session.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export function addCorsCommands(program: Command, act: Act, io: Io): void {
  const cors = program
    .command('cors')
    .description(
      "show, set or remove a bucket's CORS rules: which web pages (origins) may call the bucket from a browser",
    );
  addCommonOptions(
    cors
      .command('set')
      .description(
        "replace the bucket's CORS rules with one rule for --origin; by default what a browser uploader needs",
      )
      .argument('<url>', 'oss://bucket')
      .option('--origin <origin>', 'a page origin allowed, e.g. http://localhost:5173 (repeatable; * for any)', collect)
      .option('--methods <list>', 'methods allowed, comma-separated (default: GET,PUT,POST,DELETE,HEAD)')
      .option('--headers <list>', 'request headers allowed, comma-separated (default: *)')
      .option(
        '--expose <list>',
        'response headers the page may read (default: ETag, x-oss-hash-crc64ecma, x-oss-request-id, x-oss-version-id)',
      )
      .option('--max-age <seconds>', 'how long a browser caches a preflight answer (default: 600)'),
  ).action(
    act(async (url: string, flags: CorsSetFlags) =>
      (await import('./commands/cors.js')).corsSetCommand(url, flags, io),
    ),
  );
  addCommonOptions(
    cors.command('get').description("print the bucket's CORS rules").argument('<url>', 'oss://bucket'),
  ).action(
    act(async (url: string, flags: CommonOptions) =>
      (await import('./commands/cors.js')).corsGetCommand(url, flags, io),
    ),
  );
  addCommonOptions(
    cors
      .command('rm')
      .description("remove the bucket's CORS rules (pages on other origins are then refused)")
      .argument('<url>', 'oss://bucket'),
  ).action(
    act(async (url: string, flags: CommonOptions) =>
      (await import('./commands/cors.js')).corsRmCommand(url, flags, io),
    ),
  );
  // The hint of a nested command names it whole (the loop in program.ts covers the top-level commands).
  for (const c of cors.commands)
    c.showHelpAfterError(`hint: ossup cors ${c.name()} --help shows its arguments and flags`);
}
