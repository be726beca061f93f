#!/usr/bin/env node
/**
 * Entry point of the `vnetsim` binary. User errors (bad flags, unreadable or invalid scenario
 * files) are printed without a stack trace and exit 2; anything else is a bug (exit 3).
 */
import { CommanderError } from "commander";
import { CliError, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from "./errors.js";
import { setExitCode, writeErr } from "./io.js";
import { buildProgram } from "./program.js";

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "node" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message (and the help hint) on stderr; exitCode 0 means
      // the user asked for help or the version (`--help`, `help run`, `--version`).
      setExitCode(error.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
    } else if (error instanceof CliError) {
      writeErr(error.message);
      setExitCode(error.exitCode);
    } else {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      writeErr(`vnetsim: internal error (please report it with the command you ran):\n${text}`);
      setExitCode(EXIT_INTERNAL);
    }
  }
}

// `vnetsim run x | head`: the reader went away; stop quietly instead of crashing on EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : EXIT_OK);
  throw error;
});

await main(process.argv);
