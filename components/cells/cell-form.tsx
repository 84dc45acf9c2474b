"use client";

import { useState } from "react";
import { Plus } from "lucide-react";
import type { ActionState } from "@/lib/action-state";
import { Button } from "@/components/ui/button";
import { RemoveRowButton } from "@/components/ui/remove-row-button";
import { Field, fieldProps } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { SubmitButton } from "@/components/ui/submit-button";
import { Textarea } from "@/components/ui/textarea";
import { useEntityForm } from "@/components/ui/use-entity-form";

export interface CellFormValues {
  name: string;
  client: "kafs" | "openafs";
  bootRoot: string;
  cacheMemcache: boolean;
  cacheBlocks: number;
  /** Kerberos realm; null: none (trees read anonymously) */
  realm: string | null;
  /** the realm's KDCs, host or host:port, in order */
  kdcs: string[];
  servers: { name: string; ip: string }[];
  notes: string;
  revision: number;
}

interface Props {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  cell?: CellFormValues;
  submitLabel: string;
}

let rowKey = 0;
const newRow = (s = { name: "", ip: "" }) => ({ key: ++rowKey, ...s });

/** Server rows as the last submission sent them (after a refused save), else from the cell. */
function initialRows(values: Record<string, string> | undefined, cell?: CellFormValues) {
  if (values) {
    const idx = [
      ...new Set(
        Object.keys(values)
          .map((k) => /^servers\.(\d+)\./.exec(k)?.[1])
          .filter(Boolean),
      ),
    ];
    if (idx.length) return idx.map((i) => newRow({ name: values[`servers.${i}.name`] ?? "", ip: values[`servers.${i}.ip`] ?? "" }));
  }
  return (cell?.servers.length ? cell.servers : [{ name: "", ip: "" }]).map((s) => newRow(s));
}

export function CellForm({ action, cell, submitLabel }: Props) {
  const { state, formAction, fieldErrors: err, values: v, initial } = useEntityForm(action, cell);
  const [rows, setRows] = useState(() => initialRows(undefined, cell));
  // after a refused save, show the server rows as submitted (adjusted during render, not in an effect)
  const [seen, setSeen] = useState(state);
  if (seen !== state) {
    setSeen(state);
    if (state?.ok === false && state.values) setRows(initialRows(state.values, cell));
  }

  return (
    <form action={formAction} className="space-y-5" noValidate>
      {cell && <input type="hidden" name="current" value={cell.name} />}
      {cell && <input type="hidden" name="revision" value={cell.revision} />}
      <div className="grid gap-5 md:grid-cols-2">
        <Field label="Cell name" name="name" error={err?.name} hint="The AFS cell, a DNS-style name." required>
          <Input {...fieldProps("name", err?.name, true)} defaultValue={initial("name")} placeholder="example.org" />
        </Field>
        <Field label="AFS client" name="client" error={err?.client} hint="In-kernel kAFS, or OpenAFS afsd with its kernel module.">
          <NativeSelect {...fieldProps("client", err?.client, true)} defaultValue={initial("client") || "kafs"}>
            <option value="kafs">kAFS (in-kernel)</option>
            <option value="openafs">OpenAFS (afsd)</option>
          </NativeSelect>
        </Field>
        <Field label="Boot root" name="bootRoot" error={err?.bootRoot} hint="AFS path under which release trees live." required>
          <Input {...fieldProps("bootRoot", err?.bootRoot, true)} defaultValue={initial("bootRoot")} placeholder="/afs/example.org/boot" />
        </Field>
        <Field label="Cache blocks" name="cacheBlocks" error={err?.cacheBlocks} hint="1 KiB blocks for the client cache.">
          <Input {...fieldProps("cacheBlocks", err?.cacheBlocks, true)} inputMode="numeric" defaultValue={initial("cacheBlocks") || "65536"} />
        </Field>
        <Field
          label="Kerberos realm"
          name="realm"
          error={err?.realm}
          hint="Optional, like LAB.TEST. With a realm, hosts get an AFS token (kinit from their keytab, then aklog) before mounting their tree, so each host needs its keytab; without one, trees are read anonymously."
        >
          <Input {...fieldProps("realm", err?.realm, true)} defaultValue={initial("realm")} placeholder="LAB.TEST" autoComplete="off" spellCheck={false} />
        </Field>
        <Field
          label="KDCs"
          name="kdcs"
          error={err?.kdcs}
          hint="The realm's KDCs in the order hosts try them: host or host:port, comma-separated (at most 10). Required with a realm."
        >
          <Input
            {...fieldProps("kdcs", err?.kdcs, true)}
            defaultValue={initial("kdcs")}
            placeholder="10.0.0.5, kdc2.example.org:88"
            autoComplete="off"
            spellCheck={false}
          />
        </Field>
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          name="cacheMemcache"
          defaultChecked={v ? v.cacheMemcache === "on" : (cell?.cacheMemcache ?? true)}
          className="h-4 w-4 rounded border-slate-300"
        />
        Memory cache (afsd -memcache): no disk needed on diskless hosts
      </label>
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium">Database servers (CellServDB)</legend>
        {err?.servers && <p className="text-sm text-red-600">{err.servers}</p>}
        {rows.map((row, i) => (
          <div key={row.key} className="grid grid-cols-[1fr_12rem_auto] items-start gap-3">
            <Field label={`Server ${i + 1} name`} name={`servers.${i}.name`} error={err?.[`servers.${i}.name`]}>
              <Input {...fieldProps(`servers.${i}.name`, err?.[`servers.${i}.name`])} defaultValue={row.name} placeholder="afsdb1.example.org" />
            </Field>
            <Field label={`Server ${i + 1} IP`} name={`servers.${i}.ip`} error={err?.[`servers.${i}.ip`]}>
              <Input {...fieldProps(`servers.${i}.ip`, err?.[`servers.${i}.ip`])} defaultValue={row.ip} placeholder="10.0.0.5" />
            </Field>
            <RemoveRowButton label={`Remove server ${i + 1}`} onlyRow={rows.length === 1} onRemove={() => setRows(rows.filter((r) => r.key !== row.key))} />
          </div>
        ))}
        <Button type="button" variant="outline" size="sm" onClick={() => setRows([...rows, newRow()])}>
          <Plus className="mr-1.5 h-4 w-4" aria-hidden />
          Add server
        </Button>
      </fieldset>
      <Field label="Notes" name="notes" error={err?.notes}>
        <Textarea {...fieldProps("notes", err?.notes)} rows={3} defaultValue={initial("notes")} />
      </Field>
      <FormMessage state={state?.ok ? null : state} />
      <SubmitButton pendingText="Saving…">{submitLabel}</SubmitButton>
    </form>
  );
}
