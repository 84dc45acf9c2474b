import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { DiffView } from "./diff-view";
import { bytes, fmtCount, shortSha } from "./format";
import type { ChangeCounts, ChangedFile } from "@/lib/publish/preview";

const CHANGE: Record<ChangedFile["change"], { sign: string; variant: "success" | "info" | "danger" | "secondary" }> = {
  unchanged: { sign: "=", variant: "secondary" },
  added: { sign: "+", variant: "success" },
  changed: { sign: "~", variant: "info" },
  removed: { sign: "−", variant: "danger" },
};

export function ChangeBadge({ change }: { change: ChangedFile["change"] }) {
  const c = CHANGE[change];
  return (
    <Badge variant={c.variant} className="font-mono">
      <span aria-hidden>{c.sign}</span> {change}
    </Badge>
  );
}

/** "+3 ~1 −0" for tables, read out as "3 added, 1 changed, 0 removed". */
export function ChangeCountsText({ counts }: { counts: ChangeCounts }) {
  return (
    <span className="whitespace-nowrap font-mono text-xs">
      <span className="sr-only">
        {fmtCount(counts.added)} added, {fmtCount(counts.changed)} changed, {fmtCount(counts.removed)} removed
      </span>
      <span aria-hidden>
        <span className="text-green-700">+{fmtCount(counts.added)}</span> <span className="text-blue-700">~{fmtCount(counts.changed)}</span>{" "}
        <span className="text-red-700">−{fmtCount(counts.removed)}</span>
      </span>
    </span>
  );
}

interface Props {
  files: ChangedFile[];
  /** What a file without a diff says instead. */
  noDiff: string;
  /** the publication (or kept dry run) the files are of: whole diffs can be downloaded from it */
  publicationId?: string | null;
}

/** Changed files, each with its diff behind a disclosure (native <details>: keyboard and screen readers work as is). */
export function ChangedFilesTable({ files, noDiff, publicationId }: Props) {
  const withSize = files.some((f) => f.size !== undefined);
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead className="w-28">Change</TableHead>
          <TableHead>File</TableHead>
          <TableHead>Host</TableHead>
          <TableHead>Kind</TableHead>
          {withSize && <TableHead className="text-right">Size</TableHead>}
          <TableHead>sha256</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {files.map((f) => (
          <TableRow key={f.path} className="align-top hover:bg-transparent">
            <TableCell>
              <ChangeBadge change={f.change} />
            </TableCell>
            <TableCell className="max-w-0 w-full">
              {f.diff ? (
                <details className="group">
                  <summary className="cursor-pointer break-all font-mono text-xs text-blue-700 hover:underline">{f.path}</summary>
                  <DiffView diff={f.diff} className="mt-2" />
                  {f.wholeDiff && publicationId && (
                    <a
                      href={`/api/v1/publications/${encodeURIComponent(publicationId)}/diff?${new URLSearchParams({ path: f.path }).toString()}`}
                      download
                      className="mt-1 inline-block text-xs text-blue-700 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-500"
                    >
                      Download the whole diff of {f.path}
                      {f.wholeDiffSize ? ` (${bytes(f.wholeDiffSize)})` : ""}
                    </a>
                  )}
                </details>
              ) : (
                <span className="break-all font-mono text-xs">
                  {f.path} <span className="font-sans text-slate-500">({noDiff})</span>
                </span>
              )}
            </TableCell>
            <TableCell className="whitespace-nowrap text-xs">
              {f.host && f.hostExists !== false ? (
                <Link
                  href={`/hosts/${encodeURIComponent(f.host)}`}
                  className="font-mono text-blue-700 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-500"
                >
                  {f.host}
                </Link>
              ) : f.host ? (
                <span className="font-mono text-slate-600" title="deleted since">
                  {f.host} <span className="font-sans text-slate-500">(deleted)</span>
                </span>
              ) : (
                <>
                  <span className="text-slate-400" aria-hidden>
                    —
                  </span>
                  <span className="sr-only">no host</span>
                </>
              )}
            </TableCell>
            <TableCell className="font-mono text-xs">{f.kind}</TableCell>
            {withSize && (
              <TableCell className="whitespace-nowrap text-right text-xs tabular-nums">{f.change === "removed" || !f.size ? "—" : bytes(f.size)}</TableCell>
            )}
            <TableCell className="font-mono text-xs" title={f.sha256}>
              {shortSha(f.sha256)}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
