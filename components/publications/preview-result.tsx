import Link from "next/link";
import { FileCheck2 } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";
import { ChangedFilesTable } from "./changed-files";
import { fmtCount, plural } from "./format";
import type { Preview } from "@/lib/publish/preview";
import { Timings } from "./timings";
import { ValidationResults } from "./validation-results";

/** A dry run's outcome: the daemons' verdicts, then the files that would change with their diffs. */
export function PreviewResult({ preview: p }: { preview: Preview }) {
  const more = p.total - p.files.length;
  return (
    <section aria-labelledby="preview-heading" className="space-y-5 border-t border-slate-100 pt-5">
      <div className="space-y-1">
        <h3 id="preview-heading" className="text-sm font-semibold text-slate-900">
          Preview
        </h3>
        <div className="text-xs text-slate-600">
          <Timings timings={p.timings} />
        </div>
      </div>
      {p.total === 0 ? (
        <EmptyState icon={FileCheck2} title="Nothing to publish">
          The export directory already holds exactly what the inventory generates ({plural(p.unchanged, "file")}).
        </EmptyState>
      ) : (
        <>
          <p className="text-sm" data-testid="preview-summary">
            <span className="font-medium">{plural(p.total, "file")} would change:</span>{" "}
            <span className="text-green-700">
              <span aria-hidden>+</span>
              {fmtCount(p.counts.added)} added
            </span>
            ,{" "}
            <span className="text-blue-700">
              <span aria-hidden>~</span>
              {fmtCount(p.counts.changed)} changed
            </span>
            ,{" "}
            <span className="text-red-700">
              <span aria-hidden>−</span>
              {fmtCount(p.counts.removed)} removed
            </span>
            ; {fmtCount(p.unchanged)} unchanged.
          </p>
          <div className="space-y-2">
            <h4 className="text-sm font-semibold text-slate-900">Validators</h4>
            <ValidationResults results={p.validation} />
          </div>
          <div className="space-y-2">
            <h4 className="text-sm font-semibold text-slate-900">Files</h4>
            <ChangedFilesTable files={p.files} noDiff="no diff in the preview" publicationId={p.publicationId} />
            {p.publicationId && (
              <p className="text-sm text-slate-600">
                {more > 0 ? `and ${plural(more, "more file")}. ` : ""}
                <Link href={`/publications/${encodeURIComponent(p.publicationId)}`} className="font-medium text-blue-700 hover:underline">
                  Review all {plural(p.total, "changed file")}, with a filter by file or host
                </Link>{" "}
                (this dry run is kept for a day).
              </p>
            )}
          </div>
        </>
      )}
      {p.skippedTotal > 0 && (
        <div role="note" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <p className="font-medium">{plural(p.skippedTotal, "host")} left out:</p>
          <ul className="mt-1 list-inside list-disc">
            {p.skipped.map((s) => (
              <li key={s.host}>
                <span className="font-mono">{s.host}</span>: {s.reason}
              </li>
            ))}
          </ul>
          {p.skippedTotal > p.skipped.length && <p className="mt-1">and {fmtCount(p.skippedTotal - p.skipped.length)} more.</p>}
        </div>
      )}
    </section>
  );
}
