import type { ReactNode } from "react";
import { formatDistanceToNowStrict } from "date-fns";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { plural, utc } from "./format";

interface Props {
  exportDir: string;
  hooks: string[];
  /** where hooks are looked for, for the hint when there are none */
  hooksDir: string;
  pending: { count: number; lastPublishedAt: Date | null; neverPublished: boolean };
  /** the preview and publish controls (operators), or a note (viewers) */
  children: ReactNode;
}

/** Where a publication writes, what runs after it, and how much waits to be published. */
export function PublishSummary({ exportDir, hooks, hooksDir, pending, children }: Props) {
  const rows: [string, ReactNode][] = [
    [
      "Export directory",
      <code key="dir" className="break-all font-mono text-sm">
        {exportDir}
      </code>,
    ],
    [
      "Post-publish hooks",
      hooks.length ? (
        <ol key="hooks" className="flex flex-wrap gap-x-3 font-mono text-sm">
          {hooks.map((h) => (
            <li key={h}>{h}</li>
          ))}
        </ol>
      ) : (
        <span key="hooks">
          none configured: put executables in <code className="break-all font-mono">{hooksDir}</code>
        </span>
      ),
    ],
    [
      "Unpublished changes",
      <span key="pending" data-testid="pending-changes">
        {pending.count === 0
          ? pending.neverPublished
            ? "none"
            : "none: the export directory is up to date"
          : `${plural(pending.count, "change")} to networks, cells, releases and hosts ${pending.neverPublished ? "(nothing published yet)" : "since the last full publication"}`}
      </span>,
    ],
    [
      "Last publication",
      pending.lastPublishedAt ? (
        <span key="last">
          {utc(pending.lastPublishedAt)} <span className="text-slate-500">({formatDistanceToNowStrict(pending.lastPublishedAt)} ago)</span>
        </span>
      ) : (
        <span key="last">never</span>
      ),
    ],
  ];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Publish boot files</CardTitle>
        <CardDescription>
          Generates the DHCP configs, PXE and iPXE configs and initrd overlays from the inventory, has dhcpd, kea and dnsmasq check the DHCP configs, and writes
          the files that changed.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-5">
        <dl className="grid gap-x-6 gap-y-3 sm:grid-cols-[11rem_1fr]">
          {rows.map(([label, value]) => (
            <div key={label} className="contents">
              <dt className="text-sm text-slate-500">{label}</dt>
              <dd className="text-sm text-slate-900">{value}</dd>
            </div>
          ))}
        </dl>
        {children}
      </CardContent>
    </Card>
  );
}
