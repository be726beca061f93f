/**
 * Placeholder for `vnetsim dtls`: the DTLS interop helper replaces this file with the real
 * command. Until then the command exists (so `vnetsim --help` lists it) and exits 2.
 */
import type { Command } from "commander";
import { EXIT_USAGE } from "./errors.js";
import { setExitCode, writeErr } from "./io.js";

export function registerDtls(program: Command): void {
  program
    .command("dtls")
    .description("DTLS 1.2 endpoint tools (not yet available)")
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      writeErr("vnetsim: the dtls command is not yet available");
      setExitCode(EXIT_USAGE);
    });
}
