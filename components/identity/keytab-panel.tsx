"use client";

import { useRef, useState, type FormEvent } from "react";
import { LoaderCircle } from "lucide-react";
import { utc } from "@/components/publications/format";
import { Button } from "@/components/ui/button";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { Field, fieldProps } from "@/components/ui/field";
import type { ActionState } from "@/lib/action-state";
import { ApiRefusal, kadminKeytab, removeKeytab, uploadKeytab, type IdentityWire } from "./identity-wire";

// The host's Kerberos keytab: its public summary (principal, kvno, enctypes, where it came from),
// and (admin) an upload checked here for size and by the console for content (the refusal shown
// at the field), one made through kadmin (a new key: confirmed) and removal (confirmed).

/** KEYTAB_MAX_BYTES of lib/kerberos/keytab.ts (a host's keytab holds a few hundred bytes). */
const MAX_BYTES = 64 * 1024;

interface Props {
  host: string;
  secrets: IdentityWire["secrets"];
  canAdmin: boolean;
  busy: boolean;
  run: (fn: () => Promise<string>) => Promise<ActionState>;
  confirmed: (fn: () => Promise<string>) => () => Promise<ActionState>;
}

export function KeytabPanel({ host, secrets, canAdmin, busy, run, confirmed }: Props) {
  const kt = secrets.keytab;
  const blocked = secrets.keytabUnavailable;
  return (
    <div className="space-y-3">
      {kt ? (
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]" data-testid="keytab">
          <dt className="text-slate-500">Principal</dt>
          <dd className="break-all font-mono text-xs" data-testid="keytab-principal">
            {kt.principal}
          </dd>
          <dt className="text-slate-500">Key version (kvno)</dt>
          <dd data-testid="keytab-kvno">{kt.kvno}</dd>
          <dt className="text-slate-500">Encryption types</dt>
          <dd className="font-mono text-xs">{kt.enctypes.join(", ")}</dd>
          <dt className="text-slate-500">Source</dt>
          <dd data-testid="keytab-source">
            {kt.source === "kadmin" ? "made through kadmin" : "uploaded"}
            {kt.at && ` at ${utc(new Date(kt.at))}`}
          </dd>
        </dl>
      ) : (
        <p className="text-sm text-slate-600" data-testid="keytab-none">
          No keytab.{" "}
          {blocked
            ? `It cannot have one yet: ${blocked}.`
            : `Its principal is ${secrets.principal}: ${canAdmin ? "upload a keytab holding it, or create it through kadmin" : "an admin can upload a keytab holding it or create it through kadmin"}. Without one the host gets no Kerberos ticket and no AFS token at boot.`}
        </p>
      )}
      {canAdmin && !blocked && (
        <>
          <UploadForm host={host} replacing={!!kt} busy={busy} run={run} />
          <div role="group" aria-label="Keytab actions" className="flex flex-wrap items-center gap-2">
            <ConfirmDelete
              action={confirmed(async () => {
                const r = await kadminKeytab(host);
                return `Made a keytab for ${r.principal} through kadmin (kvno ${r.kvno})`;
              })}
              verb="Create"
              what={`a keytab for host ${host} through kadmin`}
              triggerLabel="Create through kadmin…"
              variant="default"
              disabled={busy}
              disabledReason={
                secrets.kadmin
                  ? undefined
                  : "The console has no kadmin principal (AFSBOOT_KADMIN_PRINCIPAL and AFSBOOT_KADMIN_KEYTAB): upload a keytab instead."
              }
              description={`kadmin makes ${secrets.principal} if it is new and gives it a new random key: any keytab made for it before stops working.`}
            />
            {kt && (
              <ConfirmDelete
                action={confirmed(async () => {
                  await removeKeytab(host);
                  return `Removed the keytab of host ${host}`;
                })}
                verb="Remove"
                what={`the keytab of host ${host}`}
                disabled={busy}
                description="The host's next boots get no keytab: no Kerberos ticket and no AFS token, so a tree that needs one cannot be read. The principal stays in the KDC."
              />
            )}
          </div>
        </>
      )}
    </div>
  );
}

function UploadForm({ host, replacing, busy, run }: { host: string; replacing: boolean; busy: boolean; run: Props["run"] }) {
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | undefined>();
  const [pending, setPending] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const file = input.current?.files?.[0];
    if (!file) return setError("Choose a keytab file first");
    if (file.size > MAX_BYTES) return setError(`${file.name} is ${file.size.toLocaleString("en-US")} bytes: a keytab is at most 64 KiB`);
    setError(undefined);
    setPending(true);
    const r = await run(async () => {
      try {
        const k = await uploadKeytab(host, file);
        return `Stored the keytab for ${k.principal} (kvno ${k.kvno})`;
      } catch (err) {
        // the console's reason belongs next to the field
        if (err instanceof ApiRefusal) setError(err.fields.keytab ?? err.message);
        throw err;
      }
    });
    setPending(false);
    if (r?.ok && input.current) input.current.value = "";
  }

  return (
    <form onSubmit={(e) => void submit(e)} className="flex flex-wrap items-end gap-3" aria-label="Upload a keytab">
      <Field
        label={replacing ? "Replace with a keytab file" : "Keytab file"}
        name="keytab"
        error={error}
        hint="An MIT keytab holding the principal above, at most 64 KiB."
        className="min-w-64"
      >
        <input
          ref={input}
          type="file"
          accept=".keytab,application/octet-stream"
          className="block w-full text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm"
          onChange={() => setError(undefined)}
          {...fieldProps("keytab", error, true)}
        />
      </Field>
      <Button type="submit" variant="outline" size="sm" disabled={busy || pending} className="mb-6">
        {pending && <LoaderCircle className="animate-spin" aria-hidden="true" />}
        Upload
      </Button>
    </form>
  );
}
