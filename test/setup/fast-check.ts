/**
 * Every property test in the suite runs from one seed, so `npm test` is replayable: the default
 * is fixed, FC_SEED=<n> picks another (CI and local runs then explore new cases), and fast-check
 * prints the seed and the counterexample path of any failure.
 */
import fc from "fast-check";

const DEFAULT_FC_SEED = 20261128;
const raw = process.env.FC_SEED;
const seed = raw === undefined || raw === "" ? DEFAULT_FC_SEED : Number(raw);
if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED: expected an integer, got ${JSON.stringify(raw)}`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
