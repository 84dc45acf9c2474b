"use client";

import { useState, type ReactNode } from "react";
import { TriangleAlert } from "lucide-react";
import { CheckboxField } from "@/components/ui/checkbox-field";
import { Field, fieldProps } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { DRIVER_LABELS } from "@/lib/power/labels";
import { POWER_DRIVERS, type PowerDriverName } from "@/lib/power/types";
import { REMOVE_STORED_FIELD } from "@/lib/validation/bmc";
import { cn } from "@/lib/utils";

// The "BMC (power control)" fieldset of the host and network forms. Fields are named bmc.driver,
// bmc.address, … (lib/forms.ts nests them); the server answers refusals on those paths. The
// password is write-only: the box starts empty (empty keeps the stored one), a stored password is
// only ever said to exist, and a refused save never echoes it (lib/forms.ts formValues).

/** A network's BMC defaults, as a host inherits them (the password only as "is set"). */
export interface BmcDefaults {
  driver: PowerDriverName | null;
  user: string | null;
  passwordSet: boolean;
  insecure: boolean;
  command: string | null;
}

/** A host's own BMC settings (each null one is its network's). */
export interface HostBmcValues {
  driver: PowerDriverName | null;
  address: string | null;
  user: string | null;
  insecure: boolean | null;
  command: string | null;
  passwordSet: boolean;
}

interface Common {
  errors?: Record<string, string>;
  /** what a refused save sent (the fields start from it), else undefined */
  values?: Record<string, string>;
}

const name = (key: string) => `bmc.${key}`;

/** A key that changes with each refused save's BMC values: the fieldset remounts to show them (a form reset keeps a select's first default). */
export function bmcFieldsKey(values: Record<string, string> | undefined): string {
  return values ? JSON.stringify(Object.entries(values).filter(([k]) => k.startsWith("bmc."))) : "stored";
}

/** A field's starting value: what the refused save sent, else the stored one. */
function start(values: Record<string, string> | undefined, key: string, stored: string | boolean | null | undefined): string {
  if (values) return values[name(key)] ?? "";
  return stored == null ? "" : String(stored);
}

const ADDRESS_HINTS: Record<PowerDriverName, string> = {
  ipmi: "The BMC's host name or IP address, optionally :port (623 by default).",
  redfish: "https://host[:port], or the whole URL of its ComputerSystem (…/redfish/v1/Systems/1).",
  command: "Free text the command gets as AFSBOOT_BMC_ADDRESS (an outlet, a PDU's address), optional.",
};

const INSECURE_WARNING = "Insecure: the BMC's TLS certificate is not checked, so anyone on the network path can pose as the BMC and read its password.";

/** Inline (it sits inside a field's hint paragraph). */
function InsecureWarning() {
  return (
    <span className="flex items-start gap-1.5 font-medium text-amber-800" data-testid="bmc-insecure-warning">
      <TriangleAlert className="mt-0.5 size-3.5 shrink-0" aria-hidden="true" />
      {INSECURE_WARNING}
    </span>
  );
}

function Fieldset({ error, intro, children }: { error?: string; intro: ReactNode; children: ReactNode }) {
  return (
    <fieldset className="space-y-4 rounded-md border border-slate-200 p-4">
      <legend className="px-1 text-sm font-medium text-slate-800">BMC (power control)</legend>
      <p className="text-sm text-slate-600">{intro}</p>
      {error && <p className="text-sm text-red-600">{error}</p>}
      <div className="grid gap-5 md:grid-cols-2">{children}</div>
    </fieldset>
  );
}

function DriverSelect({ errors, value, onChange, empty }: { errors?: Record<string, string>; value: string; onChange: (v: string) => void; empty: string }) {
  const n = name("driver");
  return (
    <Field label="Driver" name={n} error={errors?.[n]} hint="IPMI through ipmitool (lanplus), Redfish over HTTPS, or an executable of yours.">
      <NativeSelect {...fieldProps(n, errors?.[n], true)} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{empty}</option>
        {POWER_DRIVERS.map((d) => (
          <option key={d} value={d}>
            {DRIVER_LABELS[d]}
          </option>
        ))}
      </NativeSelect>
    </Field>
  );
}

function TextField(props: { errors?: Record<string, string>; field: string; label: string; hint: ReactNode; defaultValue: string; placeholder?: string }) {
  const n = name(props.field);
  return (
    <Field label={props.label} name={n} error={props.errors?.[n]} hint={props.hint}>
      <Input
        {...fieldProps(n, props.errors?.[n], true)}
        defaultValue={props.defaultValue}
        placeholder={props.placeholder}
        autoComplete="off"
        spellCheck={false}
      />
    </Field>
  );
}

/** The command driver's executable (host and network alike). */
function CommandField({ errors, defaultValue, placeholder }: { errors?: Record<string, string>; defaultValue: string; placeholder?: string }) {
  return (
    <TextField
      errors={errors}
      field="command"
      label="Command"
      hint="The command driver: the file name of an executable in the console's power directory (AFSBOOT_POWER_DIR)."
      defaultValue={defaultValue}
      placeholder={placeholder}
    />
  );
}

/** The write-only password box, and (when one is stored) the box that removes it. */
function PasswordField({ errors, stored, placeholder, hint }: { errors?: Record<string, string>; stored: boolean; placeholder?: string; hint: string }) {
  const n = name("password");
  return (
    <div className="space-y-2">
      <Field label="Password" name={n} error={errors?.[n]} hint={hint}>
        <Input
          {...fieldProps(n, errors?.[n], true)}
          type="password"
          autoComplete="new-password"
          defaultValue=""
          placeholder={stored ? "stored — leave empty to keep" : placeholder}
        />
      </Field>
      {stored && (
        <CheckboxField
          name={name(REMOVE_STORED_FIELD)}
          label="Remove the stored password"
          defaultChecked={false}
          hint="Only with the box above empty (a typed password replaces the stored one)."
        />
      )}
    </div>
  );
}

const netSays = (v: string | null | undefined) => (v ? `network's: ${v}` : undefined);

/** The host form's BMC: its own settings, each empty one its network's (shown as placeholders). */
export function HostBmcFields({ errors, values, bmc, network }: Common & { bmc?: HostBmcValues; network?: { name: string; bmc: BmcDefaults } }) {
  const [driver, setDriver] = useState(() => start(values, "driver", bmc?.driver));
  const [insecure, setInsecure] = useState(() => start(values, "insecure", bmc?.insecure));
  const net = network?.bmc;
  const effectiveDriver = (driver || net?.driver || null) as PowerDriverName | null;
  const effectiveInsecure = insecure === "" ? !!net?.insecure : insecure === "true";
  const insecureName = name("insecure");
  const warn = effectiveInsecure && effectiveDriver === "redfish";
  const inherited = net?.driver
    ? `Empty fields take network ${network!.name}'s defaults: driver ${DRIVER_LABELS[net.driver]}${net.user ? `, user ${net.user}` : ""}${net.passwordSet ? ", a password" : ""}${net.command ? `, command ${net.command}` : ""}${net.insecure ? ", certificate not checked" : ""}.`
    : network
      ? `Network ${network.name} has no BMC defaults: choose a driver for power control.`
      : "Empty fields take the defaults of the host's network.";
  return (
    <Fieldset
      error={errors?.bmc}
      intro={
        <>
          For power control from the console (on, off, cycle, PXE next boot). <span data-testid="bmc-inherited">{inherited}</span>
        </>
      }
    >
      <DriverSelect
        errors={errors}
        value={driver}
        onChange={setDriver}
        empty={net?.driver ? `Network's default (${DRIVER_LABELS[net.driver]})` : "Network's default (none: no power control)"}
      />
      <TextField
        errors={errors}
        field="address"
        label="Address"
        hint={effectiveDriver ? ADDRESS_HINTS[effectiveDriver] : "The BMC's address; each host has its own."}
        defaultValue={start(values, "address", bmc?.address)}
        placeholder={effectiveDriver === "redfish" ? "https://10.0.0.201" : effectiveDriver === "command" ? "outlet 4" : "10.0.0.201"}
      />
      <TextField
        errors={errors}
        field="user"
        label="User"
        hint="Empty: the network's."
        defaultValue={start(values, "user", bmc?.user)}
        placeholder={netSays(net?.user)}
      />
      <PasswordField
        errors={errors}
        stored={!!bmc?.passwordSet}
        placeholder={net?.passwordSet ? "network's — leave empty to use it" : undefined}
        hint="Stored encrypted and never shown again. Empty: the stored one (else the network's)."
      />
      <Field
        label="Certificate check (Redfish)"
        name={insecureName}
        error={errors?.[insecureName]}
        hint={warn ? <InsecureWarning /> : "Whether the console checks the Redfish BMC's TLS certificate."}
      >
        <NativeSelect
          {...fieldProps(insecureName, errors?.[insecureName], true)}
          value={insecure}
          onChange={(e) => setInsecure(e.target.value)}
          className={cn(warn && "border-amber-500 bg-amber-50 text-amber-900")}
        >
          <option value="">Network&apos;s ({net?.insecure ? "do not check — insecure" : "check"})</option>
          <option value="false">Check the certificate</option>
          <option value="true">Do not check — insecure</option>
        </NativeSelect>
      </Field>
      <CommandField errors={errors} defaultValue={start(values, "command", bmc?.command)} placeholder={netSays(net?.command)} />
    </Fieldset>
  );
}

/** The network form's BMC defaults for its hosts (no address: each host has its own). */
export function NetworkBmcFields({ errors, values, bmc }: Common & { bmc?: BmcDefaults }) {
  const [driver, setDriver] = useState(() => start(values, "driver", bmc?.driver));
  const [insecure, setInsecure] = useState(() => (values ? values[name("insecure")] === "on" : !!bmc?.insecure));
  const insecureName = name("insecure");
  return (
    <Fieldset
      error={errors?.bmc}
      intro="Defaults for the BMCs of this network's hosts: a host without its own driver, user, password or command takes these (each host has its own address)."
    >
      <DriverSelect errors={errors} value={driver} onChange={setDriver} empty="None (no power control by default)" />
      <TextField errors={errors} field="user" label="User" hint="The BMC user of this network's hosts." defaultValue={start(values, "user", bmc?.user)} />
      <PasswordField errors={errors} stored={!!bmc?.passwordSet} hint="Stored encrypted and never shown again. Empty: keep the stored one." />
      <CommandField errors={errors} defaultValue={start(values, "command", bmc?.command)} />
      <div className={cn("space-y-1 rounded-md md:col-span-2", insecure && "border border-amber-300 bg-amber-50 p-2")}>
        <label className="flex items-start gap-2 text-sm font-medium">
          <input
            type="checkbox"
            {...fieldProps(insecureName, errors?.[insecureName], true)}
            checked={insecure}
            onChange={(e) => setInsecure(e.target.checked)}
            className="mt-0.5 size-4 shrink-0 rounded border-slate-300"
          />
          Do not check the Redfish BMCs&apos; certificates (insecure)
        </label>
        <p id={`${insecureName}-hint`} className="pl-6 text-xs text-slate-600">
          {insecure ? (
            <InsecureWarning />
          ) : driver === "command" || driver === "ipmi" ? (
            "Redfish only."
          ) : (
            "Leave it off unless the BMCs have self-signed certificates and no CA file (AFSBOOT_BMC_CA_FILE) vouches for them."
          )}
        </p>
        {errors?.[insecureName] && (
          <p id={`${insecureName}-error`} className="pl-6 text-sm text-red-600">
            {errors[insecureName]}
          </p>
        )}
      </div>
    </Fieldset>
  );
}
