/**
 * What limits each target when it is missed, in plain words, from profiles of this code on these
 * machines (node --cpu-prof; see the closing notes of RESULTS.md). Shown beside a missed target.
 */
import { TARGET } from "./targets.js";

export const LIMITS: Readonly<Record<string, string>> = Object.freeze({
  [TARGET.sealFastest]: "",
});
