import type { HostChoices } from "@/lib/data/host-queries";

/**
 * Options of a release select: per tree, "latest active version" (value rh-7.3) and each active
 * version to pin (value rh-7.3@1). `current` stays offered even if it is no longer active.
 */
export function ReleaseOptions({ releases, current }: { releases: HostChoices["releases"]; current?: string }) {
  const known = new Set(releases.flatMap((r) => [r.name, ...r.active.map((v) => `${r.name}@${v}`)]));
  return (
    <>
      {current && !known.has(current) && <option value={current}>{current}</option>}
      {releases.map((r) => (
        <optgroup key={r.name} label={r.name}>
          <option value={r.name}>{r.latest ? `${r.name}: latest (now ${r.latest})` : `${r.name}: latest (no active version yet)`}</option>
          {r.active.map((v) => (
            <option key={v} value={`${r.name}@${v}`}>
              {`${r.name}@${v}: pinned`}
            </option>
          ))}
        </optgroup>
      ))}
    </>
  );
}
