/** REASON_TABLE as a markdown table, for the README and reports (generated, so it cannot drift). */
import { REASONS, REASON_TABLE } from "./reasons.js";

export function reasonTableMarkdown(): string {
  const lines = [
    "| reason | AllowUnencrypted | DropUnencrypted (both ends) | meaning |",
    "|---|---|---|---|",
  ];
  for (const r of REASONS) {
    const row = REASON_TABLE[r];
    lines.push(`| \`${r}\` | \`${row.allow.encryption}\` ${row.allow.action} | \`${row.drop.encryption}\` ${row.drop.action} | ${row.summary.replace(/\|/g, "\\|")} |`);
  }
  return lines.join("\n") + "\n";
}
