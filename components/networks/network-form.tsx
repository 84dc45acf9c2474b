"use client";

import { useState } from "react";
import { Plus } from "lucide-react";
import type { ActionState } from "@/lib/action-state";
import { Button } from "@/components/ui/button";
import { CheckboxField } from "@/components/ui/checkbox-field";
import { RemoveRowButton } from "@/components/ui/remove-row-button";
import { Field, fieldProps } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { SubmitButton } from "@/components/ui/submit-button";
import { Textarea } from "@/components/ui/textarea";
import { useEntityForm } from "@/components/ui/use-entity-form";
import { NetworkBmcFields, bmcFieldsKey } from "@/components/power/bmc-fields";
import type { PowerDriverName } from "@/lib/power/types";
import { ENROLMENT_LABELS, IDENTITY_DESCRIPTIONS, type IdentityEnrolmentName, type IdentityModeName } from "@/lib/boot/identity-mode";

export interface NetworkFormValues {
  name: string;
  subnet: string;
  gateway: string;
  dns: string[];
  domain: string | null;
  bootServer: string;
  bootUrl: string | null;
  bootServers: { name: string; address: string; url?: string; deliverTo?: string }[];
  dhcpFailover: "hot-standby" | "load-balancing" | null;
  reportUrl: string;
  reportUrls: string[];
  discoveryRange: string | null;
  dhcpEventHook: string | null;
  secureBoot: boolean;
  /** BMC defaults of its hosts; the password only as "is set" */
  bmcDriver: PowerDriverName | null;
  bmcUser: string | null;
  bmcPasswordSet: boolean;
  bmcInsecure: boolean;
  bmcCommand: string | null;
  /** how its hosts prove who they are to get their secrets (a host's own overrides) */
  identity: IdentityModeName;
  /** a TPM seen for the first time: approved by an admin, or trusted on first use */
  identityEnrolment: IdentityEnrolmentName;
  notes: string;
  revision: number;
}

interface Props {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  network?: NetworkFormValues;
  submitLabel: string;
}

type Row = { key: number; name: string; address: string; url: string; deliverTo: string };
let rowKey = 0;
const newRow = (s: Partial<Omit<Row, "key">> = {}): Row => ({ key: ++rowKey, name: "", address: "", url: "", deliverTo: "", ...s });
const FIELDS = ["name", "address", "url", "deliverTo"] as const;

/**
 * Boot server rows as the last submission sent them (after a refused save), else from the network:
 * its named servers, or its one unnamed server (address and boot files URL) as the first row.
 */
function initialRows(values: Record<string, string> | undefined, network?: NetworkFormValues): Row[] {
  if (values) {
    const idx = [...new Set(Object.keys(values).flatMap((k) => /^bootServers\.(\d+)\./.exec(k)?.[1] ?? []))];
    if (idx.length) return idx.map((i) => newRow(Object.fromEntries(FIELDS.map((f) => [f, values[`bootServers.${i}.${f}`] ?? ""]))));
  }
  if (network?.bootServers.length)
    return network.bootServers.map((b) => newRow({ name: b.name, address: b.address, url: b.url ?? "", deliverTo: b.deliverTo ?? "" }));
  return [newRow({ address: network?.bootServer ?? "", url: network?.bootUrl ?? "" })];
}

export function NetworkForm({ action, network, submitLabel }: Props) {
  const { state, formAction, fieldErrors: err, values: v, initial } = useEntityForm(action, network);
  const [rows, setRows] = useState(() => initialRows(undefined, network));
  // after a refused save, show the rows as submitted (adjusted during render, not in an effect)
  const [seen, setSeen] = useState(state);
  // a select keeps its first default across a form reset: remounted after each refusal, it shows what was sent
  const [attempt, setAttempt] = useState(0);
  if (seen !== state) {
    setSeen(state);
    if (state?.ok === false && state.values) {
      setRows(initialRows(state.values, network));
      setAttempt(attempt + 1);
    }
  }
  // the one unnamed server's errors are reported on bootServer and bootUrl: shown on the first row
  const rowError = (i: number, f: (typeof FIELDS)[number]) =>
    err?.[`bootServers.${i}.${f}`] ?? (i === 0 && f === "address" ? err?.bootServer : i === 0 && f === "url" ? err?.bootUrl : undefined);

  const field = (name: keyof NetworkFormValues, label: string, props: { hint?: string; placeholder?: string; required?: boolean } = {}) => (
    <Field label={label} name={name} error={err?.[name]} hint={props.hint} required={props.required}>
      <Input {...fieldProps(name, err?.[name], !!props.hint)} defaultValue={initial(name)} placeholder={props.placeholder} />
    </Field>
  );

  return (
    <form action={formAction} className="space-y-5" noValidate>
      {network && <input type="hidden" name="current" value={network.name} />}
      {network && <input type="hidden" name="revision" value={network.revision} />}
      <div className="grid gap-5 md:grid-cols-2">
        {field("name", "Name", { placeholder: "lab", hint: "Letters, digits, '.', '_' and '-'.", required: true })}
        {field("subnet", "Subnet", { placeholder: "10.0.0.0/24", hint: "CIDR; host bits zero.", required: true })}
        {field("gateway", "Gateway", { placeholder: "10.0.0.1", required: true })}
        {field("dns", "DNS servers", { placeholder: "10.0.0.1, 10.0.0.2", hint: "One or more IPv4 addresses, comma-separated.", required: true })}
        {field("domain", "Domain", { placeholder: "lab.example.org", hint: "Optional: the DNS domain handed out by DHCP." })}
        <Field
          label="Report URL"
          name="reportUrl"
          error={err?.reportUrl}
          hint="Where booting clients send their boot reports. Several (console replicas, no load balancer): separate them with commas; hosts try each in turn."
          required
        >
          <Input
            {...fieldProps("reportUrl", err?.reportUrl, true)}
            defaultValue={v?.reportUrl ?? (network?.reportUrls.length ? network.reportUrls.join(", ") : (network?.reportUrl ?? ""))}
            placeholder="http://10.0.0.1:3000"
          />
        </Field>
        {field("discoveryRange", "Discovery range", {
          placeholder: "10.0.0.200-10.0.0.220",
          hint: "Unknown machines get a short lease from this range and boot the discovery image, so they show up under Unknown hosts. Leave empty to serve enrolled hosts only.",
        })}
        {field("dhcpEventHook", "DHCP event hook", {
          placeholder: "/usr/local/sbin/afsboot-dhcp-event",
          hint: "Optional: path of scripts/hooks/afsboot-dhcp-event on the DHCP server; the generated dnsmasq, Kea and ISC dhcpd configs then call it, so boots report their dhcp stage.",
        })}
      </div>
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium">Boot servers</legend>
        <p className="text-sm text-slate-500">
          Each serves the published files over TFTP and HTTP and runs a DHCP server (next-server). One server needs only its address; with two or more, name
          each: DHCP configs are made per server in failover, iPXE tries them in turn, and a server with a delivery target gets its own copy of every
          publication by rsync.
        </p>
        {err?.bootServers && <p className="text-sm text-red-600">{err.bootServers}</p>}
        {rows.map((row, i) => (
          <div key={row.key} className="grid grid-cols-1 items-start gap-3 md:grid-cols-[9rem_9rem_1fr_1fr_auto]">
            <Field label={`Server ${i + 1} name`} name={`bootServers.${i}.name`} error={rowError(i, "name")}>
              <Input
                {...fieldProps(`bootServers.${i}.name`, rowError(i, "name"))}
                defaultValue={row.name}
                placeholder={rows.length > 1 ? `boot${i + 1}` : "optional"}
              />
            </Field>
            <Field label={`Server ${i + 1} address`} name={`bootServers.${i}.address`} error={rowError(i, "address")} required={i === 0}>
              <Input {...fieldProps(`bootServers.${i}.address`, rowError(i, "address"))} defaultValue={row.address} placeholder={`10.0.0.${i + 1}`} />
            </Field>
            <Field label="HTTP URL" name={`bootServers.${i}.url`} error={rowError(i, "url")}>
              <Input {...fieldProps(`bootServers.${i}.url`, rowError(i, "url"))} defaultValue={row.url} placeholder="http://<address>/ (default)" />
            </Field>
            <Field label="Deliver to" name={`bootServers.${i}.deliverTo`} error={rowError(i, "deliverTo")}>
              <Input
                {...fieldProps(`bootServers.${i}.deliverTo`, rowError(i, "deliverTo"))}
                defaultValue={row.deliverTo}
                placeholder="afsboot@boot2:/srv/afsboot"
              />
            </Field>
            <RemoveRowButton
              label={`Remove boot server ${i + 1}`}
              onlyRow={rows.length === 1}
              onRemove={() => setRows(rows.filter((r) => r.key !== row.key))}
            />
          </div>
        ))}
        <div className="flex flex-wrap items-end gap-4">
          <Button type="button" variant="outline" size="sm" onClick={() => setRows([...rows, newRow()])}>
            <Plus className="mr-1.5 h-4 w-4" aria-hidden />
            Add boot server
          </Button>
          <Field
            label="DHCP failover"
            name="dhcpFailover"
            error={err?.dhcpFailover}
            hint="With two or more servers: hot standby (the first answers, the second takes over) or load balancing (each answers half)."
          >
            <NativeSelect key={attempt} {...fieldProps("dhcpFailover", err?.dhcpFailover, true)} defaultValue={initial("dhcpFailover") || ""}>
              <option value="">{rows.length > 1 ? "hot standby (default)" : "— (one server)"}</option>
              <option value="hot-standby">hot standby</option>
              <option value="load-balancing">load balancing</option>
            </NativeSelect>
          </Field>
        </div>
      </fieldset>
      <CheckboxField
        name="secureBoot"
        label="UEFI Secure Boot by default"
        error={err?.secureBoot}
        defaultChecked={v ? v.secureBoot === "on" : !!network?.secureBoot}
        hint="Hosts on this network boot shim, then GRUB, then their version's signed kernel, unless a host says otherwise. Their versions need a signed kernel (on an OpenAFS cell signed modules too)."
      />
      <div className="grid gap-5 md:grid-cols-2">
        <Field
          label="Host identity"
          name="identity"
          error={err?.identity}
          hint={
            <>
              How hosts prove who they are to get their secrets (SSH host keys, keytab); a host may override it. None: {IDENTITY_DESCRIPTIONS.none}. TPM:{" "}
              {IDENTITY_DESCRIPTIONS.tpm.replace(/^TPM: /, "")}. Source address + privileged port is <strong>weaker</strong>: for hosts without a TPM, it trusts
              any request from the host&apos;s IP and a port below 1024.
            </>
          }
        >
          {/* keyed by its starting value: after a refused save it shows what was sent (a form reset would not) */}
          <NativeSelect key={`identity-${attempt}`} {...fieldProps("identity", err?.identity, true)} defaultValue={initial("identity") || "none"}>
            <option value="none">none</option>
            <option value="tpm">TPM</option>
            <option value="port">source address + privileged port (weaker)</option>
          </NativeSelect>
        </Field>
        <Field
          label="First TPM seen"
          name="identityEnrolment"
          error={err?.identityEnrolment}
          hint="When a host reports a TPM for the first time: an admin approves it on the host page before it gets secrets, or it is pinned at once (trust on first use). A TPM that differs from the pinned one always waits for an admin."
        >
          <NativeSelect
            key={`enrolment-${attempt}`}
            {...fieldProps("identityEnrolment", err?.identityEnrolment, true)}
            defaultValue={initial("identityEnrolment") || "approve"}
          >
            <option value="approve">{ENROLMENT_LABELS.approve}</option>
            <option value="tofu">{ENROLMENT_LABELS.tofu}</option>
          </NativeSelect>
        </Field>
      </div>
      <NetworkBmcFields
        key={bmcFieldsKey(v)}
        errors={err}
        values={v}
        bmc={
          network && {
            driver: network.bmcDriver,
            user: network.bmcUser,
            passwordSet: network.bmcPasswordSet,
            insecure: network.bmcInsecure,
            command: network.bmcCommand,
          }
        }
      />
      <Field label="Notes" name="notes" error={err?.notes}>
        <Textarea {...fieldProps("notes", err?.notes)} rows={3} defaultValue={initial("notes")} />
      </Field>
      <FormMessage state={state?.ok ? null : state} />
      <SubmitButton pendingText="Saving…">{submitLabel}</SubmitButton>
    </form>
  );
}
