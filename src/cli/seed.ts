/** `--seed`: overriding a scenario's seed in its text, before the loader sees it. */
import { isMap, isScalar, parseDocument } from "yaml";

/**
 * Returns the scenario text with its top-level `seed` set to `seed`. The original text is kept
 * byte for byte except the seed's value (or one appended line), so the loader's line:column
 * positions in error messages still point into the file the user wrote. Text that is not a
 * YAML block mapping is returned unchanged: the loader will report what is wrong with it.
 */
export function withSeed(text: string, seed: number): string {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return text;
  if (doc.contents.flow === true) return text;
  const existing = doc.contents.get("seed", true);
  if (isScalar(existing) && existing.range) {
    const [start, valueEnd] = existing.range;
    return `${text.slice(0, start)}${seed}${text.slice(valueEnd)}`;
  }
  if (existing !== undefined) return text;
  const separator = text.endsWith("\n") || text.length === 0 ? "" : "\n";
  return `${text}${separator}seed: ${seed}\n`;
}
