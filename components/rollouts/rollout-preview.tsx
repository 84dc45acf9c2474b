import { hostCount, plural } from "@/lib/plural";
import type { RolloutPreview as Preview } from "@/lib/data/rollouts";

/** The waves a start would make: how many hosts, and which hosts in each wave. */
export function RolloutPreview({ preview }: { preview: Preview }) {
  const summary = `${hostCount(preview.hostCount)} in ${plural(preview.waves.length, "wave")} (${preview.waves
    .map((w) => `${w.label.toLowerCase()}: ${w.hosts.length}`)
    .join(", ")})`;
  return (
    <div className="space-y-3">
      <p className="text-sm font-medium text-slate-900" data-testid="rollout-preview-summary">
        {preview.version} to {summary}, {preview.mode === "power" ? "each wave power-cycled through the hosts' BMCs" : "the hosts rebooting by themselves"}.
      </p>
      <ol className="space-y-2" aria-label="Planned waves">
        {preview.waves.map((w) => (
          <li key={w.index} className="rounded-md border border-slate-200 p-2" data-testid="preview-wave">
            <p className="text-sm font-semibold text-slate-900">
              {w.label}: {hostCount(w.hosts.length)}
            </p>
            <p className="break-words font-mono text-xs text-slate-700">
              {w.hosts.slice(0, 50).join(", ")}
              {w.hosts.length > 50 ? ` and ${w.hosts.length - 50} more` : ""}
            </p>
          </li>
        ))}
      </ol>
    </div>
  );
}
