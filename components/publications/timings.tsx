import { duration } from "./format";

/** The pipeline's stages in the order they run (see lib/data/publish.ts; `validators` ran beside write and diff, `durable` is from the start of generate). */
const ORDER = ["snapshot", "generate", "compare", "validate", "write", "diff", "validators", "durable", "record", "deliver", "hooks"];

/** Milliseconds per stage of a publication, in pipeline order. */
export function Timings({ timings }: { timings: Record<string, number> }) {
  const rank = (s: string) => (ORDER.includes(s) ? ORDER.indexOf(s) : ORDER.length);
  const stages = Object.entries(timings).sort(([a], [b]) => rank(a) - rank(b));
  if (stages.length === 0) return <span className="text-slate-500">—</span>;
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1" aria-label="Time per stage">
      {stages.map(([stage, ms]) => (
        <li key={stage} className="whitespace-nowrap">
          <span className="text-slate-500">{stage}</span> <span className="font-mono tabular-nums">{duration(ms)}</span>
        </li>
      ))}
    </ul>
  );
}
