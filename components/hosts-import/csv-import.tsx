"use client";

import { useMemo, useState } from "react";
import { FileSearch, Upload } from "lucide-react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { MAX_CSV_BYTES } from "@/lib/inventory/host-csv";
import type { BulkEnrolled, BulkPreview, BulkResult } from "@/lib/inventory/bulk-result";
import { fmt, plural, seconds } from "./format";
import { CsvSource, kilobytes, type LoadedFile } from "./csv-source";
import { BulkError, EnrolledCard } from "./bulk-outcome";
import { PreviewSummary } from "./preview-summary";
import { WorkProgress, endStep, startStep, stepFraction, type Step } from "./work-progress";

type Action = (csv: string) => Promise<BulkResult>;

const LIMIT = `${MAX_CSV_BYTES / 1024 / 1024} MB`;

/** Data rows in CSV text: non-empty lines after the header (quoted newlines aside). */
function countRows(text: string): number {
  let lines = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (text.slice(start, end).trim() !== "") lines++;
    start = end + 1;
  }
  return Math.max(0, lines - 1);
}

async function call(action: Action, text: string): Promise<BulkResult> {
  try {
    return await action(text);
  } catch {
    return { ok: false, error: "The server did not answer (the request may be too large, or the connection dropped). Nothing was saved." };
  }
}

export function CsvImport({ previewAction, enrollAction }: { previewAction: Action; enrollAction: Action }) {
  const [text, setText] = useState("");
  const [file, setFile] = useState<LoadedFile | null>(null);
  const [steps, setSteps] = useState<Step[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ of: string; result: BulkPreview } | null>(null);
  const [enrolled, setEnrolled] = useState<BulkEnrolled | null>(null);
  const rows = useMemo(() => countRows(text), [text]);

  function reset(nextText: string, nextFile: LoadedFile | null) {
    setText(nextText);
    setFile(nextFile);
    setPreview(null);
    setEnrolled(null);
    setError(null);
    setSteps([]);
  }

  function readFile(f: File) {
    reset("", null);
    if (f.size > MAX_CSV_BYTES) {
      setError(
        `${f.name} is ${kilobytes(f.size)}: the limit is ${LIMIT} per file (about 80,000 hosts). Split it into smaller files. Nothing was read or sent.`,
      );
      return;
    }
    setBusy(true);
    setSteps(startStep([], "read", `Reading ${f.name}`, 0));
    const reader = new FileReader();
    reader.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) setSteps((s) => stepFraction(s, "read", e.loaded / e.total));
    };
    reader.onload = () => {
      const content = typeof reader.result === "string" ? reader.result : "";
      setText(content);
      setFile({ name: f.name, size: f.size });
      setSteps((s) => endStep(s, "read", "done", `Read ${f.name}`));
      setBusy(false);
    };
    reader.onerror = () => {
      setError(`Could not read ${f.name}: ${reader.error?.message ?? "unknown error"}`);
      setSteps((s) => endStep(s, "read", "failed"));
      setBusy(false);
    };
    reader.readAsText(f);
  }

  async function runPreview() {
    if (text.length > MAX_CSV_BYTES) return setError(`The text is larger than ${LIMIT}: split it into smaller files.`);
    if (text.trim() === "") return setError("Paste CSV text or choose a .csv file first.");
    setBusy(true);
    setError(null);
    setPreview(null);
    const checkLabel = `Checking ${plural(rows, "row")}`;
    setSteps((s) => [
      ...startStep(
        s.filter((x) => x.key === "read"),
        "check",
        checkLabel,
      ),
      { key: "save", label: `Saving ${plural(rows, "host")}`, status: "pending" },
    ]);
    const res = await call(previewAction, text);
    const result = res.ok ? res.result : res.preview;
    if (result?.stage === "preview") setPreview({ of: text, result });
    if (!res.ok) setError(res.error);
    setSteps((s) => {
      const next = endStep(s, "check", res.ok ? "done" : "failed", result?.stage === "preview" ? `Checked ${plural(result.total, "row")}` : checkLabel);
      return next.map((x) =>
        x.key === "save" && result?.stage === "preview" ? { ...x, label: result.valid > 0 ? `Saving ${plural(result.valid, "host")}` : "Saving hosts" } : x,
      );
    });
    setBusy(false);
  }

  async function runEnroll() {
    if (!preview) return;
    setBusy(true);
    setError(null);
    setSteps((s) => startStep(s, "save", `Saving ${plural(preview.result.valid, "host")}`));
    const res = await call(enrollAction, text);
    if (res.ok && res.result.stage === "enrolled") {
      setEnrolled(res.result);
      setSteps((s) => endStep(s, "save", "done", `Saved ${plural(res.result.stage === "enrolled" ? res.result.created : 0, "host")}`));
      toast.success(`Enrolled ${plural(res.result.created, "host")}`);
    } else {
      if (!res.ok) setError(res.error);
      if (!res.ok && res.preview) setPreview({ of: text, result: res.preview });
      setSteps((s) => endStep(s, "save", "failed"));
    }
    setBusy(false);
  }

  const current = preview && preview.of === text ? preview.result : null;
  const canEnroll = !!current && current.problemCount === 0 && current.valid > 0 && !busy && !enrolled;

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <CardTitle>CSV</CardTitle>
        </CardHeader>
        <CardContent className="space-y-5">
          <CsvSource
            text={file ? "" : text}
            file={file}
            rows={rows}
            disabled={busy}
            onText={(t) => reset(t, null)}
            onFile={readFile}
            onClearFile={() => reset("", null)}
          />
          <div className="flex flex-wrap items-center gap-3">
            <Button type="button" variant="outline" onClick={runPreview} disabled={busy || !!enrolled || text.trim() === ""}>
              <FileSearch className="size-4" aria-hidden />
              Preview
            </Button>
            <Button type="button" onClick={runEnroll} disabled={!canEnroll} aria-describedby="enroll-hint">
              <Upload className="size-4" aria-hidden />
              {current && current.valid > 0 ? `Enroll ${plural(current.valid, "host")}` : "Enroll hosts"}
            </Button>
            <span id="enroll-hint" className="text-xs text-slate-600">
              {enrolled
                ? ""
                : !current
                  ? "Preview first: nothing is saved until you enroll."
                  : current.problemCount > 0
                    ? "Fix every problem and preview again to enroll."
                    : "All rows or none: one problem saves nothing."}
            </span>
          </div>
          <WorkProgress steps={steps} />
          <BulkError error={error} />
        </CardContent>
      </Card>

      {enrolled ? (
        <EnrolledCard enrolled={enrolled}>
          <Button type="button" variant="outline" onClick={() => reset("", null)}>
            Import another file
          </Button>
        </EnrolledCard>
      ) : (
        current && (
          <Card>
            <CardHeader>
              <CardTitle>Preview</CardTitle>
            </CardHeader>
            <CardContent>
              <PreviewSummary preview={current} />
              {current.total > 0 && (
                <p className="mt-3 text-xs text-slate-500">
                  Checked by the server in {seconds(current.serverMs)}; nothing has been saved yet. {fmt(current.total)} rows read.
                </p>
              )}
            </CardContent>
          </Card>
        )
      )}
    </div>
  );
}
