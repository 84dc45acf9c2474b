"use client";

import type { ActionState } from "@/lib/action-state";
import { Field, fieldProps } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";
import { Textarea } from "@/components/ui/textarea";
import { useEntityForm } from "@/components/ui/use-entity-form";

export interface NetworkFormValues {
  name: string;
  subnet: string;
  gateway: string;
  dns: string[];
  domain: string | null;
  bootServer: string;
  bootUrl: string | null;
  reportUrl: string;
  discoveryRange: string | null;
  dhcpEventHook: string | null;
  notes: string;
  revision: number;
}

interface Props {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  network?: NetworkFormValues;
  submitLabel: string;
}

export function NetworkForm({ action, network, submitLabel }: Props) {
  const { state, formAction, fieldErrors: err, initial } = useEntityForm(action, network);

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
        {field("bootServer", "Boot server", { placeholder: "10.0.0.1", hint: "next-server (TFTP) and HTTP boot server.", required: true })}
        {field("reportUrl", "Report URL", { placeholder: "http://10.0.0.1:3000", hint: "Where booting clients send their boot reports.", required: true })}
        {field("bootUrl", "Boot files URL", {
          placeholder: "http://10.0.0.1/",
          hint: "Optional: where iPXE fetches boot files. Default http://<boot server>/; http://<console>/boot/ serves them from the console.",
        })}
        {field("discoveryRange", "Discovery range", {
          placeholder: "10.0.0.200-10.0.0.220",
          hint: "Unknown machines get a short lease from this range and boot the discovery image, so they show up under Unknown hosts. Leave empty to serve enrolled hosts only.",
        })}
        {field("dhcpEventHook", "DHCP event hook", {
          placeholder: "/usr/local/sbin/afsboot-dhcp-event",
          hint: "Optional: path of scripts/hooks/afsboot-dhcp-event on the DHCP server; the generated dnsmasq, Kea and ISC dhcpd configs then call it, so boots report their dhcp stage.",
        })}
      </div>
      <Field label="Notes" name="notes" error={err?.notes}>
        <Textarea {...fieldProps("notes", err?.notes)} rows={3} defaultValue={initial("notes")} />
      </Field>
      <FormMessage state={state?.ok ? null : state} />
      <SubmitButton pendingText="Saving…">{submitLabel}</SubmitButton>
    </form>
  );
}
