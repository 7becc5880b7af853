// The flags rclone users reach for, added to the commands they apply to after program.ts declared them: selection
// (cp, sync, rm), skip rules and stored headers (cp, sync), config section and request tuning (every command that
// talks to OSS). Kept apart so program.ts stays a list of commands.
import type { Command } from 'commander';
import { teeToLog } from './log-file.js';
import type { Io } from './session.js';
import { addHeaderOptions } from './header-options.js';
import { addBandwidthOption, addRequestOptions } from './request-options.js';
import { addSelectOptions, addSkipOptions } from './select-options.js';

export function addRcloneOptions(program: Command, io: Io): void {
  const named = (name: string) => program.commands.find((c) => c.name() === name);
  for (const name of ['cp', 'sync']) {
    const cmd = named(name);
    if (cmd)
      addHeaderOptions(addSkipOptions(addSelectOptions(cmd))).option(
        '--stats <duration>',
        'trees: one line of totals on stderr every duration, e.g. 30s (for logs and CI, where no live line is drawn)',
      );
  }
  for (const name of ['cp', 'sync', 'cat']) {
    const cmd = named(name);
    if (cmd) addBandwidthOption(cmd);
  }
  const rm = named('rm');
  if (rm) addSelectOptions(rm);
  // Every command that talks to OSS (they all take --endpoint); serve is the server itself.
  for (const cmd of program.commands) {
    if (!cmd.options.some((o) => o.long === '--endpoint')) continue;
    addRequestOptions(cmd).option('--log-file <file>', 'also append what is said on stderr to FILE, timestamped');
  }
  // The actions and main.ts write through `io`: swapping its stderr sends all of it to the log too.
  program.hook('preAction', (_program, action) => {
    const file = action.opts().logFile as string | undefined;
    if (file !== undefined) io.stderr = teeToLog(io.stderr, file);
  });
}
