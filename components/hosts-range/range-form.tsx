"use client";

import { useMemo, useState, type FormEvent, type ReactNode } from "react";
import { FileSearch, Upload } from "lucide-react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Field, fieldProps } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { plural } from "@/components/hosts-import/format";
import type { BulkEnrolled } from "@/lib/inventory/bulk-result";
import { BulkError, EnrolledCard } from "@/components/hosts-import/bulk-outcome";
import { WorkProgress, endStep, startStep, type Step } from "@/components/hosts-import/work-progress";
import { ReleaseOptions } from "@/components/hosts/release-options";
import type { HostChoices } from "@/lib/data/host-queries";
import { expandHostRange, ipSequence, splitList } from "@/lib/inventory/range";
import { RangePreview } from "./range-preview";
import type { RangeFormValues, RangePreview as Preview, RangeResult } from "@/lib/inventory/range-result";

type Action = (input: RangeFormValues) => Promise<RangeResult>;
const EMPTY: RangeFormValues = { pattern: "", startIp: "", macs: "", cell: "", release: "", tags: "" };

async function call(action: Action, values: RangeFormValues): Promise<RangeResult> {
  try {
    return await action(values);
  } catch {
    return { ok: false, error: "The server did not answer (the connection may have dropped). Nothing was saved." };
  }
}

/** What the pattern, starting IP and MAC list give, as the admin types. */
function useCounts(v: RangeFormValues) {
  return useMemo(() => {
    const names = v.pattern.trim() ? expandHostRange(v.pattern) : null;
    const macs = splitList(v.macs).length;
    const count = names?.ok ? names.names.length : 0;
    const ips = count && v.startIp.trim() ? ipSequence(v.startIp.trim(), count) : null;
    return {
      names: names?.ok ? `${plural(count, "hostname")}: ${names.names[0]}${count > 1 ? ` … ${names.names[count - 1]}` : ""}` : null,
      ips: ips?.ok ? `${ips.ips[0]}${count > 1 ? ` … ${ips.ips[count - 1]}` : ""}` : null,
      macs,
      count,
      mismatch: count > 0 && macs > 0 && macs !== count,
    };
  }, [v.pattern, v.macs, v.startIp]);
}

export function RangeForm({
  previewAction,
  enrollAction,
  choices,
}: {
  previewAction: Action;
  enrollAction: Action;
  choices: Pick<HostChoices, "cells" | "releases">;
}) {
  const [values, setValues] = useState<RangeFormValues>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ of: RangeFormValues; result: Preview } | null>(null);
  const [enrolled, setEnrolled] = useState<BulkEnrolled | null>(null);
  const [steps, setSteps] = useState<Step[]>([]);
  const [busy, setBusy] = useState(false);
  const counts = useCounts(values);
  const current = preview && preview.of === values ? preview.result : null;
  const canEnroll = !!current && current.problemCount === 0 && current.valid > 0 && !busy && !enrolled;

  const set = (key: keyof RangeFormValues) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [key]: value }));
    setEnrolled(null);
  };

  function show(res: RangeResult, key: string) {
    setErrors(res.ok ? {} : (res.fieldErrors ?? {}));
    setError(res.ok ? null : res.error);
    const result = res.ok ? res.result : res.preview;
    if (result?.stage === "preview") setPreview({ of: values, result });
    const label = key === "check" && result?.stage === "preview" ? `Checked ${plural(result.total, "host")}` : undefined;
    setSteps((s) => endStep(s, key, res.ok ? "done" : "failed", label));
  }

  async function onPreview(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setPreview(null);
    setSteps([
      ...startStep([], "check", `Checking ${plural(counts.count, "host")}`),
      { key: "save", label: `Saving ${plural(counts.count, "host")}`, status: "pending" },
    ]);
    show(await call(previewAction, values), "check");
    setBusy(false);
  }

  async function onEnroll() {
    setBusy(true);
    setSteps((s) => startStep(s, "save", `Saving ${plural(current?.valid ?? counts.count, "host")}`));
    const res = await call(enrollAction, values);
    show(res, "save");
    if (res.ok && res.result.stage === "enrolled") {
      setEnrolled(res.result);
      toast.success(`Enrolled ${plural(res.result.created, "host")}`);
    }
    setBusy(false);
  }

  const text = (name: keyof RangeFormValues, label: string, opts: { hint?: string; placeholder?: string } = {}) => (
    <Field label={label} name={name} error={errors[name]} hint={opts.hint} required={name !== "tags"}>
      <Input
        {...fieldProps(name, errors[name], !!opts.hint)}
        value={values[name]}
        onChange={set(name)}
        placeholder={opts.placeholder}
        disabled={busy}
        autoComplete="off"
      />
    </Field>
  );
  /** Cell and release are picked from what exists (as in the host form), not typed. */
  const select = (name: "cell" | "release", label: string, hint: string | undefined, options: ReactNode) => (
    <Field label={label} name={name} error={errors[name]} hint={hint} required>
      <NativeSelect {...fieldProps(name, errors[name], !!hint)} value={values[name]} onChange={set(name)} disabled={busy}>
        {options}
      </NativeSelect>
    </Field>
  );

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <CardTitle>Range</CardTitle>
        </CardHeader>
        <CardContent>
          <form onSubmit={onPreview} className="space-y-5" noValidate>
            <div className="grid gap-5 md:grid-cols-2">
              {text("pattern", "Hostname pattern", {
                placeholder: "node[001-120]",
                hint: counts.names ?? "A prefix, [first-last] and an optional suffix; zero padding follows the first number.",
              })}
              {text("startIp", "Starting IP", {
                placeholder: "10.0.0.11",
                hint: counts.ips ? `Addresses ${counts.ips}` : "Each next host gets the next address.",
              })}
              {select(
                "cell",
                "Cell",
                undefined,
                <>
                  <option value="">Choose a cell…</option>
                  {choices.cells.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </>,
              )}
              {select(
                "release",
                "Release",
                "A tree follows its latest active version; a pinned version stays until changed.",
                <>
                  <option value="">Choose a release…</option>
                  <ReleaseOptions releases={choices.releases} />
                </>,
              )}
            </div>
            <Field
              label="MAC addresses"
              name="macs"
              required
              error={errors.macs}
              hint={`One per hostname, in order: one per line or comma separated. ${counts.macs ? `${plural(counts.macs, "MAC")} pasted${counts.count ? ` for ${plural(counts.count, "hostname")}` : ""}.` : ""}`}
            >
              <Textarea
                {...fieldProps("macs", errors.macs, true)}
                value={values.macs}
                onChange={set("macs")}
                rows={6}
                spellCheck={false}
                className="font-mono text-xs"
                placeholder={"52:54:00:12:34:01\n52:54:00:12:34:02"}
                disabled={busy}
              />
            </Field>
            {counts.mismatch && (
              <p className="text-sm text-amber-800" data-testid="mac-count-warning">
                {counts.macs < counts.count ? `${plural(counts.count - counts.macs, "MAC")} missing` : `${plural(counts.macs - counts.count, "MAC")} too many`}:
                the count must match the {plural(counts.count, "hostname")}.
              </p>
            )}
            {text("tags", "Tags", { placeholder: "render gpu", hint: "Optional; separated by spaces or commas." })}
            <div className="flex flex-wrap items-center gap-3">
              <Button type="submit" variant="outline" disabled={busy}>
                <FileSearch className="size-4" aria-hidden />
                Preview
              </Button>
              <Button type="button" onClick={onEnroll} disabled={!canEnroll}>
                <Upload className="size-4" aria-hidden />
                {current && current.valid > 0 ? `Enroll ${plural(current.valid, "host")}` : "Enroll hosts"}
              </Button>
              <span className="text-xs text-slate-600">
                {enrolled
                  ? ""
                  : !current
                    ? "Preview first: nothing is saved until you enroll."
                    : current.problemCount
                      ? "Fix every problem and preview again."
                      : "All hosts or none."}
              </span>
            </div>
            <WorkProgress steps={steps} />
            <BulkError error={error} />
          </form>
        </CardContent>
      </Card>
      {enrolled ? (
        <EnrolledCard enrolled={enrolled} />
      ) : (
        current && (
          <Card>
            <CardHeader>
              <CardTitle>Preview</CardTitle>
            </CardHeader>
            <CardContent>
              <RangePreview preview={current} cell={values.cell} release={values.release} />
            </CardContent>
          </Card>
        )
      )}
    </div>
  );
}
