import Link from "next/link";
import { SECTION_SCROLL_MARGIN } from "@/components/shell/section-nav";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { BootState } from "@/lib/boot/stages";
import type { BootView } from "@/lib/data/boots";
import { cn } from "@/lib/utils";
import { BootRefresh } from "./boot-refresh";
import { BootRow } from "./boot-row";

// A host's boots, newest first, filtered by outcome through the URL (?boots=failed) so a view of
// failures can be linked. Rendered on the server; refreshed while a boot is under way.

export const BOOT_FILTERS = ["up", "failed", "booting", "stalled"] as const satisfies readonly BootState[];
export const BOOT_LIMIT = 50;

/** ?boots=… as a filter, anything else as none. */
export function parseBootFilter(raw: string | string[] | undefined): BootState | undefined {
  const v = Array.isArray(raw) ? raw[0] : raw;
  return (BOOT_FILTERS as readonly string[]).includes(v ?? "") ? (v as BootState) : undefined;
}

interface Props {
  hostName: string;
  boots: BootView[];
  filter?: BootState;
  assignedInitrdSha256: string | null;
  /** re-read the page every 10 s (the host's last boot is under way) */
  live: boolean;
}

export function BootHistory({ hostName, boots, filter, assignedInitrdSha256, live }: Props) {
  const base = `/hosts/${encodeURIComponent(hostName)}`;
  const options: { label: string; value?: BootState }[] = [
    { label: "All" },
    ...BOOT_FILTERS.map((value) => ({ label: value[0]!.toUpperCase() + value.slice(1), value })),
  ];
  return (
    <Card id="boot-history" className={SECTION_SCROLL_MARGIN}>
      <BootRefresh active={live} />
      <CardHeader className="gap-3">
        <div className="space-y-1.5">
          <CardTitle>Boot history</CardTitle>
          <CardDescription>
            The latest {BOOT_LIMIT} boots, newest first, with the time each stage took. Times are the console&apos;s (UTC); the client&apos;s own clock is in
            the raw events.
          </CardDescription>
        </div>
        <nav aria-label="Filter boots by outcome" className="flex flex-wrap gap-1">
          {options.map((o) => (
            <Link
              key={o.label}
              href={`${base}${o.value ? `?boots=${o.value}` : ""}#boot-history`}
              scroll={false}
              aria-current={o.value === filter ? "page" : undefined}
              className={cn(
                "rounded-md px-2.5 py-1 text-sm font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-500",
                o.value === filter ? "bg-blue-50 text-blue-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
              )}
            >
              {o.label}
            </Link>
          ))}
        </nav>
      </CardHeader>
      <CardContent>
        {boots.length > 0 ? (
          <ol className="divide-y divide-slate-100" aria-label="Boots">
            {boots.map((b) => (
              <BootRow key={b.bootId} boot={b} assignedInitrdSha256={assignedInitrdSha256} />
            ))}
          </ol>
        ) : filter ? (
          <p className="text-sm text-slate-600">
            No {filter} boots.{" "}
            <Link href={`${base}#boot-history`} className="text-blue-700 underline underline-offset-2 hover:no-underline">
              Show all boots
            </Link>
          </p>
        ) : (
          <p className="text-sm text-slate-600">
            No boots reported yet. Hosts report once they boot with a published config (see{" "}
            <Link href="/publications" className="text-blue-700 underline underline-offset-2 hover:no-underline">
              Publications
            </Link>
            ).
          </p>
        )}
      </CardContent>
    </Card>
  );
}
