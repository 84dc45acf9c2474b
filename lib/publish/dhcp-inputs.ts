import fs from "node:fs";
import path from "node:path";

// What each DHCP unit's files in an export directory were made from (the digest of their inputs,
// lib/generate/dhcp/inputs.ts) and their sha256s, as a file in the directory beside the marker of
// the publication it holds: a publication of some hosts whose networks' inputs are unchanged keeps
// their DHCP files instead of regenerating them. Written after the files and the publication's
// record; only trusted while the marker says the directory holds the last publication and the
// manifest and the disk still have those files (lib/data/publish.ts). A digest says nothing of
// the fleet that the DHCP files themselves do not (and they are public too).

export const DHCP_INPUTS = ".afsboot-dhcp-inputs";

export interface KeptUnit {
  /** the digest of the unit's inputs */
  inputs: string;
  /** each of its files → its sha256 */
  files: Record<string, string>;
}

/** Unit key → what its files were made from. */
export type DhcpInputsRecord = Record<string, KeptUnit>;

/** The directory's record; empty when there is none or it cannot be read (then everything is regenerated). */
export function readDhcpInputs(outDir: string): DhcpInputsRecord {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(outDir, DHCP_INPUTS), "utf8"));
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    const record: DhcpInputsRecord = {};
    for (const [key, unit] of Object.entries(parsed as Record<string, unknown>)) {
      const u = unit as Partial<KeptUnit> | null;
      if (typeof u?.inputs === "string" && u.files !== null && typeof u.files === "object") record[key] = { inputs: u.inputs, files: { ...u.files } };
    }
    return record;
  } catch {
    return {};
  }
}

/** The record's bytes: units and files by name, so the same record is the same file. */
export function dhcpInputsBytes(record: DhcpInputsRecord): Buffer {
  const sorted = Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, { inputs: record[k]!.inputs, files: Object.fromEntries(Object.entries(record[k]!.files).sort(([a], [b]) => (a < b ? -1 : 1))) }]),
  );
  return Buffer.from(`${JSON.stringify(sorted, null, 1)}\n`);
}
