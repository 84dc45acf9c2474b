import Link from "next/link";
import { fmtCount } from "@/components/publications/format";
import { cn } from "@/lib/utils";
import type { FleetStatusWire } from "./fleet-wire";

// Hosts by boot state: one stacked bar (a picture, summarised for screen readers) and a legend
// whose entries name each state with its count and open the host table filtered by it.

type Counts = FleetStatusWire["counts"];

const STATES: { key: keyof Counts; label: string; swatch: string; href: string }[] = [
  { key: "up", label: "Up", swatch: "bg-green-600", href: "/hosts?state=up" },
  { key: "booting", label: "Booting", swatch: "bg-blue-600", href: "/hosts?state=booting" },
  { key: "stalled", label: "Stalled", swatch: "bg-amber-500", href: "/hosts?state=stalled" },
  { key: "failed", label: "Failed", swatch: "bg-red-600", href: "/hosts?state=failed" },
  { key: "never", label: "Never booted", swatch: "bg-slate-300", href: "/hosts?state=never" },
];

export function StateChart({ counts, total }: { counts: Counts; total: number }) {
  const summary = STATES.map((s) => `${fmtCount(counts[s.key])} ${s.label.toLowerCase()}`).join(", ");
  return (
    <div className="space-y-4">
      <div role="img" aria-label={`Hosts by boot state: ${summary}`} className="flex h-5 w-full overflow-hidden rounded-md bg-slate-100">
        {total > 0 &&
          STATES.filter((s) => counts[s.key] > 0).map((s) => (
            <div
              key={s.key}
              title={`${s.label}: ${fmtCount(counts[s.key])}`}
              className={cn("h-full border-r border-white last:border-r-0 motion-safe:transition-[width]", s.swatch)}
              style={{ width: `${(counts[s.key] / total) * 100}%`, minWidth: "0.25rem" }}
            />
          ))}
      </div>
      <ul className="grid gap-2 sm:grid-cols-2 md:grid-cols-3 2xl:grid-cols-6" aria-label="Hosts by boot state">
        {[
          ...STATES,
          { key: "rebootPending" as const, label: "Reboot pending", swatch: "bg-white border-2 border-amber-500", href: "/hosts?state=pending" },
        ].map((s) => (
          <li key={s.key}>
            <Link
              href={s.href}
              className="flex items-center gap-2 rounded-md border border-slate-200 px-3 py-2 hover:border-blue-300 hover:bg-slate-50 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-500"
            >
              <span className={cn("size-3 shrink-0 rounded-sm", s.swatch)} aria-hidden />
              <span className="text-sm text-slate-700">{s.label}</span>{" "}
              <span className="ml-auto text-lg font-semibold tabular-nums" data-testid={`fleet-count-${s.key}`}>
                {fmtCount(counts[s.key])}
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
