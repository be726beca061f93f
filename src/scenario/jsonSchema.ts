/** JSON Schema (draft 2020-12) of the scenario file, generated from the zod schema. */
import { z } from "zod";
import { scenarioSchema } from "./schema.js";

export const SCENARIO_SCHEMA_ID = "https://vnetsim.dev/schema/scenario.json";

/** The input schema: what a scenario file may contain (defaults are not required). */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { ...schema, $id: SCENARIO_SCHEMA_ID, title: "vnetsim scenario" };
}
