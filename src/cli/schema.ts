/** `vnetsim schema`: the JSON Schema of scenario files (for editors and validators). */
import type { Command } from "commander";
import { scenarioJsonSchema } from "../scenario/index.js";
import { writeOut } from "./io.js";

export function registerSchema(program: Command): void {
  program
    .command("schema")
    .description("print the JSON Schema (draft 2020-12) of scenario files")
    .addHelpText(
      "after",
      `
Examples:
  $ vnetsim schema > vnetsim.schema.json
  # then, in VS Code's YAML extension, add to a scenario file:
  # yaml-language-server: $schema=./vnetsim.schema.json`,
    )
    .action(() => {
      writeOut(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
    });
}
