"use client";

import { hostCount, plural } from "@/lib/plural";
import { useState, type FormEvent, type ReactNode } from "react";
import { useRouter } from "next/navigation";
import { FileSearch, Rocket } from "lucide-react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Field, FieldNotes, fieldProps } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import type { ActionFailure } from "@/lib/action-state";
import type { RolloutPreview as Preview } from "@/lib/data/rollouts";
import { ROLLOUT_FORM_DEFAULTS, rolloutFormInput, type RolloutFormValues } from "@/lib/rollout/form";
import { RolloutPreview } from "./rollout-preview";

// "Roll out this version…": which hosts (by name, tag, network, release or the version they run),
// the waves and their gates, power or manual. Preview first (nothing is written), then Start,
// which is offered only for the values just previewed.

type Input = ReturnType<typeof rolloutFormInput>;
export type PreviewAction = (input: Input) => Promise<{ ok: true; preview: Preview } | ActionFailure>;
export type StartAction = (input: Input) => Promise<{ ok: true; id: string; message: string } | ActionFailure>;

interface Choices {
  /** active versions, "release@version" */
  versions: string[];
  networks: string[];
  releases: string[];
  tags: string[];
}

type Key = Exclude<keyof RolloutFormValues, "rollback" | "mode">;

async function call<R>(fn: () => Promise<R | ActionFailure>): Promise<R | ActionFailure> {
  try {
    return await fn();
  } catch {
    return { ok: false, error: "The server did not answer (the connection may have dropped). Nothing was started." };
  }
}

export function RolloutForm({
  version,
  choices,
  previewAction,
  startAction,
}: {
  version: string;
  choices: Choices;
  previewAction: PreviewAction;
  startAction: StartAction;
}) {
  const router = useRouter();
  const [values, setValues] = useState<RolloutFormValues>({ version, ...ROLLOUT_FORM_DEFAULTS });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ of: RolloutFormValues; preview: Preview } | null>(null);
  const [busy, setBusy] = useState<"preview" | "start" | null>(null);
  const current = preview && preview.of === values ? preview.preview : null;

  const set = <K extends keyof RolloutFormValues>(key: K, value: RolloutFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const refused = (r: ActionFailure) => {
    setErrors(r.fieldErrors ?? {});
    setError(r.error);
  };

  async function onPreview(e: FormEvent) {
    e.preventDefault();
    setBusy("preview");
    const of = values;
    const r = await call(() => previewAction(rolloutFormInput(of)));
    if (r.ok) {
      setErrors({});
      setError(null);
      setPreview({ of, preview: r.preview });
    } else {
      setPreview(null);
      refused(r);
    }
    setBusy(null);
  }

  async function onStart() {
    setBusy("start");
    const r = await call(() => startAction(rolloutFormInput(values)));
    if (r.ok) {
      toast.success(r.message);
      router.push(`/rollouts/${encodeURIComponent(r.id)}`);
      return; // stays busy until the rollout's page opens
    }
    setPreview(null);
    refused(r);
    setBusy(null);
  }

  const text = (name: Key, label: string, opts: { hint?: ReactNode; placeholder?: string; id?: string; inputMode?: "numeric" } = {}) => {
    const id = opts.id ?? name;
    return (
      <Field label={label} name={id} error={errors[id]} hint={opts.hint}>
        <Input
          {...fieldProps(id, errors[id], !!opts.hint)}
          value={values[name]}
          onChange={(e) => set(name, e.currentTarget.value)}
          placeholder={opts.placeholder}
          inputMode={opts.inputMode}
          disabled={!!busy}
          autoComplete="off"
        />
      </Field>
    );
  };
  const select = (name: Key, label: string, id: string, options: string[], empty: string, hint?: string) => (
    <Field label={label} name={id} error={errors[id]} hint={hint}>
      <NativeSelect {...fieldProps(id, errors[id], !!hint)} value={values[name]} onChange={(e) => set(name, e.currentTarget.value)} disabled={!!busy}>
        <option value="">{empty}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </NativeSelect>
    </Field>
  );
  const versions = choices.versions.includes(version) || !version ? choices.versions : [version, ...choices.versions];

  return (
    <div className="space-y-6">
      <Card>
        <CardContent className="pt-6">
          <form onSubmit={onPreview} className="space-y-6" noValidate aria-label="Rollout">
            {select("version", "Version", "version", versions, "Choose an active version…", "The release version the hosts move to: it must be active.")}
            <fieldset className="space-y-4 rounded-md border border-slate-200 p-4" aria-describedby={errors.selector ? "selector-error" : "selector-hint"}>
              <legend className="px-1 text-sm font-semibold text-slate-900">Hosts</legend>
              <FieldNotes name="selector" hint="Fill one or more: each one given must hold (any of the names, any of the tags)." error={errors.selector} />
              <div className="grid gap-4 md:grid-cols-2">
                {text("tags", "Tags", {
                  id: "selector.tags",
                  placeholder: "render gpu",
                  hint: choices.tags.length ? `Known: ${choices.tags.slice(0, 12).join(", ")}` : undefined,
                })}
                {select("network", "Network", "selector.network", choices.networks, "Any network")}
                {select("release", "Current release", "selector.release", choices.releases, "Any release", "Hosts assigned this release now.")}
                {text("running", "Running version", {
                  id: "selector.version",
                  placeholder: "rh-7.3@1",
                  hint: "Hosts whose last boot reported this release@version.",
                })}
              </div>
              <Field label="Host names" name="selector.hosts" error={errors["selector.hosts"]} hint="Separated by spaces, commas or lines.">
                <Textarea
                  {...fieldProps("selector.hosts", errors["selector.hosts"], true)}
                  value={values.hosts}
                  onChange={(e) => set("hosts", e.currentTarget.value)}
                  rows={2}
                  spellCheck={false}
                  className="font-mono text-xs"
                  disabled={!!busy}
                />
              </Field>
            </fieldset>
            <fieldset className="space-y-4 rounded-md border border-slate-200 p-4">
              <legend className="px-1 text-sm font-semibold text-slate-900">Waves and gates</legend>
              <div className="grid gap-4 md:grid-cols-3">
                {text("canary", "Canary hosts", { inputMode: "numeric", hint: "The first wave; 0 for none." })}
                {text("canaryMaxFailures", "Canary may fail", { inputMode: "numeric", hint: "Failures before the canary halts it (default 0)." })}
                {text("wave", "Wave size", { placeholder: "10%", hint: "Hosts per wave after the canary: a count, or a percentage like 10%." })}
                {text("maxFailures", "Failures per wave", { placeholder: "0", hint: "A count or a percentage of the wave; more halts the rollout." })}
                {text("pauseSeconds", "Pause between waves (s)", { inputMode: "numeric", hint: "Default 0." })}
              </div>
              <div className="grid gap-4 md:grid-cols-3">
                {text("reportDeadlineSeconds", "Report deadline (s)", {
                  inputMode: "numeric",
                  hint: "A first report after the power cycle within this (default 300).",
                })}
                {text("upDeadlineSeconds", "Up deadline (s)", { inputMode: "numeric", hint: "Up within this after the power cycle (default 900)." })}
              </div>
              <div className="space-y-1">
                <label className="flex items-start gap-2 text-sm font-medium">
                  <input
                    type="checkbox"
                    {...fieldProps("rollback", errors.rollback, true)}
                    checked={values.rollback}
                    onChange={(e) => set("rollback", e.currentTarget.checked)}
                    disabled={!!busy}
                    className="mt-0.5 size-4 shrink-0 rounded border-slate-300"
                  />
                  Roll back on halt
                </label>
                <FieldNotes
                  name="rollback"
                  className="pl-6"
                  hint="On: a wave that fails its gate goes back to the version each host booted before, by itself. Off: the rollout waits for an admin."
                  error={errors.rollback}
                />
              </div>
              <fieldset className="space-y-1" aria-describedby={errors.mode ? "mode-error" : undefined}>
                <legend className="text-sm font-medium">Mode</legend>
                <div className="flex flex-wrap gap-4">
                  {(["power", "manual"] as const).map((m) => (
                    <label key={m} className="flex items-center gap-2 text-sm">
                      <input
                        type="radio"
                        name="mode"
                        value={m}
                        checked={values.mode === m}
                        onChange={() => set("mode", m)}
                        disabled={!!busy}
                        className="size-4"
                      />
                      {m === "power" ? "Power: the console power-cycles each wave through the hosts' BMCs" : "Manual: the hosts reboot by themselves"}
                    </label>
                  ))}
                </div>
                <FieldNotes name="mode" error={errors.mode} />
              </fieldset>
            </fieldset>
            {/* a refusal that is one field's own is said beside that field only */}
            {error && !Object.values(errors).includes(error) && (
              <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="rollout-form-error">
                {error}
              </p>
            )}
            <div className="flex flex-wrap items-center gap-3">
              <Button type="submit" variant="outline" disabled={!!busy}>
                <FileSearch className="size-4" aria-hidden />
                {busy === "preview" ? "Previewing…" : "Preview"}
              </Button>
              <Button type="button" onClick={() => void onStart()} disabled={!current || !!busy}>
                <Rocket className="size-4" aria-hidden />
                {busy === "start" ? "Starting…" : current ? `Start: ${hostCount(current.hostCount)} in ${plural(current.waves.length, "wave")}` : "Start"}
              </Button>
              <span className="text-xs text-slate-600">
                {current ? "Starting begins with the first wave at once." : "Preview first: nothing starts until you press Start."}
              </span>
            </div>
          </form>
        </CardContent>
      </Card>
      {current && (
        <Card>
          <CardHeader>
            <CardTitle>Preview</CardTitle>
          </CardHeader>
          <CardContent>
            <RolloutPreview preview={current} />
          </CardContent>
        </Card>
      )}
    </div>
  );
}
