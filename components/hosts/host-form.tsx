"use client";

import { useEffect, useRef, useState } from "react";
import type { ActionState } from "@/lib/action-state";
import type { HostChoices } from "@/lib/data/host-queries";
import { exampleAddress } from "@/lib/net/ipv4";
import { Button } from "@/components/ui/button";
import { Field, fieldProps } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { SubmitButton } from "@/components/ui/submit-button";
import { Textarea } from "@/components/ui/textarea";
import { useEntityForm } from "@/components/ui/use-entity-form";
import { HostBmcFields, bmcFieldsKey, type HostBmcValues } from "@/components/power/bmc-fields";
import { ReleaseOptions } from "./release-options";
import { IDENTITY_LABELS, type IdentityModeName } from "@/lib/boot/identity-mode";

export interface HostFormValues {
  name: string;
  mac: string;
  ip: string;
  network: string;
  cell: string;
  releaseRef: string;
  tags: string[];
  cacheBlocks: number | null;
  tmpfsSize: string | null;
  kernelArgs: string | null;
  nicModule: string | null;
  /** own setting; null: the network's default */
  secureBoot: boolean | null;
  /** its own BMC settings (the password only as "is set") */
  bmc: HostBmcValues;
  /** own identity mode; null: the network's */
  identity: IdentityModeName | null;
  notes: string;
  revision: number;
}

interface Props {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  choices: HostChoices;
  host?: HostFormValues;
  /** Prefilled MAC of a new host (from the Unknown hosts page). */
  mac?: string;
  submitLabel: string;
}

const OVERRIDES = ["cacheBlocks", "tmpfsSize", "kernelArgs", "nicModule"] as const;

async function fetchNextFree(network: string, signal: AbortSignal): Promise<string | null> {
  const res = await fetch(`/api/v1/networks/${encodeURIComponent(network)}/next-free-ip`, { cache: "no-store", signal });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return ((await res.json()) as { ip: string | null }).ip;
}

export function HostForm({ action, choices, host, mac, submitLabel }: Props) {
  // the release select sends "release"; the host holds it as releaseRef
  const { state, formAction, fieldErrors: err, values, initial } = useEntityForm(action, host && { ...host, release: host.releaseRef }, { listSeparator: " " });
  const ipRef = useRef<HTMLInputElement>(null);
  const [network, setNetwork] = useState(() => initial("network", choices.networks.length === 1 ? choices.networks[0]!.name : ""));
  const [nextFree, setNextFree] = useState<{ network: string; text: string } | null>(null);
  const overridesOpen = OVERRIDES.some((k) => !!initial(k) || !!err?.[k]);
  const chosenNetwork = choices.networks.find((n) => n.name === network);
  const networkSecureBoot = chosenNetwork?.secureBoot;
  const networkIdentity = chosenNetwork?.identity;

  // The next free address is a suggestion: it never overwrites or extends what the person typed.
  // The look-up is asynchronous and the person goes on meanwhile, so a write is decided when the
  // answer arrives: not if the person went into the IP field (focus: typing is about to start, and a
  // value written under the caret would be extended) or typed in it since the look-up started.
  const ipActivity = useRef(0); // the person focusing or typing in the IP field, counted
  const ipTyped = useRef(false); // the person typed in it since the last suggestion was written
  const suggested = useRef<string | null>(null); // the last suggestion written into the field
  const lookup = useRef<AbortController | null>(null); // the look-up in flight (one at a time)
  useEffect(
    () => () => {
      lookup.current?.abort();
      lookup.current = null;
    },
    [],
  );

  /**
   * Looks up the next free address of network `name` and shows it. `overwrite` (the person pressed
   * "Use next free address") writes it into the field whatever the field holds; otherwise (a network
   * was picked) only into a field the person has not touched (empty, or still holding the last
   * suggestion) and is not in. Either way nothing is written if the person focused or typed in the
   * field while the look-up ran, and the answer for a network no longer picked is dropped.
   */
  async function fillNextFree(name: string, { overwrite }: { overwrite: boolean }) {
    lookup.current?.abort();
    lookup.current = null;
    if (!name) return;
    const controller = new AbortController();
    lookup.current = controller;
    const activityAtStart = ipActivity.current;
    let text: string;
    try {
      const ip = await fetchNextFree(name, controller.signal);
      if (lookup.current !== controller) return; // superseded by a later pick or press
      const el = ipRef.current;
      const untouched = !!el && (el.value === "" || (!ipTyped.current && el.value === suggested.current)) && document.activeElement !== el;
      if (ip && el && ipActivity.current === activityAtStart && (overwrite || untouched)) {
        el.value = ip;
        suggested.current = ip;
        ipTyped.current = false;
      }
      text = ip ? `Next free address in ${name}: ${ip}` : `Network ${name} has no free address left`;
    } catch {
      if (lookup.current !== controller) return; // aborted, or superseded
      text = `Could not look up a free address in ${name}`;
    }
    lookup.current = null;
    setNextFree({ network: name, text });
  }

  const text = (name: keyof HostFormValues, label: string, props: { hint?: string; placeholder?: string; required?: boolean; fallback?: string } = {}) => (
    <Field label={label} name={name} error={err?.[name]} hint={props.hint} required={props.required}>
      <Input
        {...fieldProps(name, err?.[name], !!props.hint)}
        defaultValue={initial(name, props.fallback)}
        placeholder={props.placeholder}
        autoComplete="off"
        spellCheck={false}
      />
    </Field>
  );

  return (
    <form action={formAction} className="space-y-5" noValidate>
      {host && <input type="hidden" name="current" value={host.name} />}
      {host && <input type="hidden" name="revision" value={host.revision} />}
      <div className="grid gap-5 md:grid-cols-2">
        {text("name", "Hostname", { placeholder: "node001", hint: "Lower-case letters, digits and '-' (the domain comes from the network).", required: true })}
        {text("mac", "MAC address", {
          placeholder: "52:54:00:12:34:56",
          hint: "aa:bb:cc:dd:ee:ff, AA-BB-…, aabb.ccdd.eeff or aabbccddeeff.",
          required: true,
          fallback: mac,
        })}
        <Field label="Network" name="network" hint="Only helps to pick an address: the network is the one the IP lies in.">
          <NativeSelect
            {...fieldProps("network", undefined, true)}
            value={network}
            onChange={(e) => {
              setNetwork(e.target.value);
              void fillNextFree(e.target.value, { overwrite: false });
            }}
          >
            <option value="">Choose a network…</option>
            {choices.networks.map((n) => (
              <option key={n.name} value={n.name}>
                {n.name} ({n.subnet})
              </option>
            ))}
          </NativeSelect>
        </Field>
        <Field label="IP address" name="ip" error={err?.ip} hint="A fixed IPv4 address inside one of the networks." required>
          <div className="flex gap-2">
            <Input
              ref={ipRef}
              {...fieldProps("ip", err?.ip, true)}
              defaultValue={initial("ip")}
              placeholder={exampleAddress(choices.networks.find((n) => n.name === network)?.subnet ?? "") ?? "10.0.0.11"}
              autoComplete="off"
              onFocus={() => {
                ipActivity.current += 1;
              }}
              onChange={() => {
                ipActivity.current += 1;
                ipTyped.current = true;
              }}
            />
            <Button type="button" variant="outline" disabled={!network} onClick={() => void fillNextFree(network, { overwrite: true })}>
              Use next free address
            </Button>
          </div>
          {nextFree && nextFree.network === network && (
            <p role="status" className="text-xs text-slate-600">
              {nextFree.text}
            </p>
          )}
        </Field>
        <Field label="Cell" name="cell" error={err?.cell} hint="The AFS cell the host's root comes from." required>
          <NativeSelect {...fieldProps("cell", err?.cell, true)} defaultValue={initial("cell", choices.cells.length === 1 ? choices.cells[0] : "")}>
            <option value="">Choose a cell…</option>
            {initial("cell") && !choices.cells.includes(initial("cell")) && <option value={initial("cell")}>{initial("cell")}</option>}
            {choices.cells.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </NativeSelect>
        </Field>
        <Field
          label="Release"
          name="release"
          error={err?.release}
          hint="A tree follows its latest active version; a pinned version stays until changed."
          required
        >
          <NativeSelect
            {...fieldProps("release", err?.release, true)}
            defaultValue={initial("release", choices.releases.length === 1 ? choices.releases[0]!.name : "")}
          >
            <option value="">Choose a release…</option>
            <ReleaseOptions releases={choices.releases} current={initial("release")} />
          </NativeSelect>
        </Field>
        {text("tags", "Tags", { placeholder: "render gpu", hint: "Space- or comma-separated; lower-case letters, digits, '.', '_', '-'." })}
        <Field
          label="Secure Boot"
          name="secureBoot"
          error={err?.secureBoot}
          hint="UEFI Secure Boot machines boot shim, then GRUB, then the version's kernel, which must be signed (on an OpenAFS cell its modules too)."
        >
          {/* keyed by its starting value: after a refused save it shows what was sent (a form reset would not) */}
          <NativeSelect key={initial("secureBoot")} {...fieldProps("secureBoot", err?.secureBoot, true)} defaultValue={initial("secureBoot")}>
            <option value="">Network default ({networkSecureBoot === undefined ? "on/off" : networkSecureBoot ? "on" : "off"})</option>
            <option value="true">On</option>
            <option value="false">Off</option>
          </NativeSelect>
        </Field>
        <Field
          label="Identity"
          name="identity"
          error={err?.identity}
          hint="How the host proves who it is to get its secrets (SSH host keys, keytab): its TPM, or, for a machine without one, its source address and a privileged port, which is weaker (any root on a machine that can take its address passes)."
        >
          <NativeSelect key={`identity-${initial("identity")}`} {...fieldProps("identity", err?.identity, true)} defaultValue={initial("identity")}>
            <option value="">Network&apos;s ({networkIdentity === undefined ? "none/TPM/source port" : IDENTITY_LABELS[networkIdentity]})</option>
            <option value="none">None</option>
            <option value="tpm">TPM</option>
            <option value="port">Source port (weaker)</option>
          </NativeSelect>
        </Field>
      </div>
      <details open={overridesOpen} className="rounded-md border border-slate-200 p-4 [&[open]>summary]:mb-4">
        <summary className="cursor-pointer text-sm font-medium text-slate-800">Overrides</summary>
        <div className="grid gap-5 md:grid-cols-2">
          {text("cacheBlocks", "Cache blocks", { placeholder: "65536", hint: "AFS cache size in 1 KiB blocks; empty: the cell's default." })}
          {text("tmpfsSize", "tmpfs size", { placeholder: "256M", hint: "Size of the tmpfs root; empty: the release version's." })}
          {text("kernelArgs", "Extra kernel arguments", { placeholder: "console=ttyS0,115200", hint: "Appended to the kernel command line." })}
          {text("nicModule", "NIC module", { placeholder: "e1000", hint: "Network driver the initrd loads first." })}
        </div>
      </details>
      <HostBmcFields key={bmcFieldsKey(values)} errors={err} values={values} bmc={host?.bmc} network={chosenNetwork} />
      <Field label="Notes" name="notes" error={err?.notes}>
        <Textarea {...fieldProps("notes", err?.notes)} rows={3} defaultValue={initial("notes")} />
      </Field>
      <FormMessage state={state?.ok ? null : state} />
      <SubmitButton pendingText="Saving…">{submitLabel}</SubmitButton>
    </form>
  );
}
