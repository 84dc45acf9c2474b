import { hostCount } from "@/lib/plural";
import { selectorText } from "@/lib/rollout/labels";
import type { RolloutWire } from "./rollout-wire";

const secs = (n: number) => (n === 0 ? "none" : n % 60 === 0 ? `${n / 60} min` : `${n} s`);

/** What the rollout was started with, as the admin chose it. */
export function RolloutSettings({ rollout }: { rollout: RolloutWire }) {
  const s = rollout.settings;
  const rows: [string, string][] = [
    ["Hosts", selectorText(rollout.selector)],
    ["Mode", rollout.mode === "power" ? "power: the console power-cycles each wave through the hosts' BMCs" : "manual: the hosts reboot by themselves"],
    ["Canary", s.canary === 0 ? "none" : `${hostCount(s.canary)}, may fail: ${s.canaryMaxFailures}`],
    ["Wave size", s.wave.endsWith("%") ? `${s.wave} of the hosts` : `${s.wave} host${s.wave === "1" ? "" : "s"}`],
    ["Failure limit per wave", s.maxFailures.endsWith("%") ? `${s.maxFailures} of the wave` : s.maxFailures],
    ["Pause between waves", secs(s.pauseSeconds)],
    ["Report deadline", `${secs(s.reportDeadlineSeconds)} after the power cycle`],
    ["Up deadline", `${secs(s.upDeadlineSeconds)} after the power cycle`],
    ["Rollback on halt", s.rollback ? "on: a failed wave goes back to the version it booted before" : "off: a halted rollout waits for an admin"],
  ];
  return (
    <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]" data-testid="rollout-settings">
      {rows.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-slate-500">{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
