import { duration, fmtCount, plural } from "@/components/publications/format";
import type { FleetStatusWire } from "./fleet-wire";

// How long boots take, per release version: seconds from a boot's first report to "up" over the
// last 7 days, in the buckets the data layer counts (≤15 s … ≤600 s, then everything longer).

type Durations = FleetStatusWire["durations"];

/** "≤15s" for a bucket's upper bound; the open last bucket (le null) is "> the one before". */
export function bucketLabel(buckets: { le: number | null }[], i: number): string {
  const le = buckets[i]?.le;
  if (le != null) return `≤${le}s`;
  const prev = buckets[i - 1]?.le;
  return prev != null ? `>${prev}s` : "all";
}

const secs = (s: number) => duration(s * 1000);

export function DurationHistograms({ durations }: { durations: Durations }) {
  if (durations.length === 0) return <p className="text-sm text-slate-600">No completed boots in the last 7 days.</p>;
  return (
    <ul className="grid gap-6 md:grid-cols-2 [&>*]:min-w-0">
      {durations.map((d) => (
        <li key={d.releaseVersion}>
          <Histogram d={d} />
        </li>
      ))}
    </ul>
  );
}

const W = 100;
const H = 40;

function Histogram({ d }: { d: Durations[number] }) {
  const peak = Math.max(1, ...d.buckets.map((b) => b.count));
  const n = d.buckets.length;
  const slot = W / n;
  const summary = d.buckets.map((b, i) => `${fmtCount(b.count)} ${bucketLabel(d.buckets, i)}`).join(", ");
  return (
    <figure data-testid="duration-histogram" data-release={d.releaseVersion}>
      <figcaption className="mb-2 flex flex-wrap items-baseline justify-between gap-x-3 text-sm">
        <span className="font-mono font-medium">{d.releaseVersion}</span>
        <span className="text-slate-600">
          {plural(d.count, "boot")} · p50 <span className="font-medium tabular-nums text-slate-900">{secs(d.p50)}</span> · p90{" "}
          <span className="font-medium tabular-nums text-slate-900">{secs(d.p90)}</span> · max <span className="tabular-nums">{secs(d.max)}</span>
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        className="h-20 w-full"
        role="img"
        aria-label={`Boot durations of ${d.releaseVersion}: ${summary}`}
      >
        <line x1={0} x2={W} y1={H - 0.25} y2={H - 0.25} className="stroke-slate-300" strokeWidth={0.5} vectorEffect="non-scaling-stroke" />
        {d.buckets.map((b, i) => {
          const h = b.count === 0 ? 0 : Math.max(1, (b.count / peak) * (H - 2));
          return (
            <rect key={i} x={i * slot + slot * 0.12} width={slot * 0.76} y={H - h} height={h} className="fill-blue-600">
              <title>{`${bucketLabel(d.buckets, i)}: ${plural(b.count, "boot")}`}</title>
            </rect>
          );
        })}
      </svg>
      <div
        className="mt-1 grid text-center text-[10px] leading-tight text-slate-600"
        style={{ gridTemplateColumns: `repeat(${n}, minmax(0, 1fr))` }}
        aria-hidden
      >
        {d.buckets.map((b, i) => (
          <span key={i}>
            <span className="block font-medium tabular-nums text-slate-800">{b.count > 0 ? fmtCount(b.count) : "\u00a0"}</span>
            {/* on narrow screens every other bucket is named, so the names do not run into each other */}
            <span className={i % 2 === 1 ? "max-sm:invisible" : undefined}>{bucketLabel(d.buckets, i)}</span>
          </span>
        ))}
      </div>
    </figure>
  );
}
