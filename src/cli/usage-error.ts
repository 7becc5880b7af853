/**
 * A mistake in the command line or its inputs, found before any transfer started: exit code 2.
 * `hint` is the second line of the message (what to do), when there is something useful to say.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
