/**
 * Exit codes and the one error type the commands throw for user mistakes. Anything else that
 * reaches main() is a bug and is reported with its stack.
 */

/** Everything worked and every expectation held. */
export const EXIT_OK = 0;
/** The run was fine but an expectation failed, or lint found an error. */
export const EXIT_FAILED = 1;
/** Bad usage or bad input: unknown flag, unreadable or invalid scenario file. */
export const EXIT_USAGE = 2;
/** A bug in vnetsim (an unexpected exception). */
export const EXIT_INTERNAL = 3;

/** A user-facing error: its message is printed as is on stderr, without a stack trace. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
  }
}
