import { formatDistanceStrict } from "date-fns";
import { utc } from "@/components/publications/format";

/**
 * "3 minutes ago", measured against the dashboard's clock (`now`), so the server's first paint and
 * the browser's hydration agree; the exact UTC moment is in the title.
 */
export function RelativeTime({ at, now }: { at: string; now: number }) {
  const date = new Date(at);
  const then = Math.min(date.getTime(), now); // a report newer than our clock is "just now", not "in 1 second"
  return (
    <time dateTime={at} title={utc(date)} className="whitespace-nowrap">
      {formatDistanceStrict(then, now, { addSuffix: true })}
    </time>
  );
}
