"use client";

import type { ActionState } from "@/lib/action-state";
import { CheckboxField } from "@/components/ui/checkbox-field";
import { Field, fieldProps } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { SubmitButton } from "@/components/ui/submit-button";
import { Textarea } from "@/components/ui/textarea";
import { useEntityForm } from "@/components/ui/use-entity-form";

export interface VersionFormValues {
  version: string;
  kernel: string;
  baseInitrd: string;
  modules: string[];
  readonly: string[];
  writable: string[];
  tmpfsSize: string;
  signedKernel: boolean;
  signedModules: boolean;
  notes: string;
  revision: number;
}

interface Props {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  releaseName: string;
  /** The tree, for the hints (writable directories are seeded from <tree>/tars). */
  tree: string;
  /** Where kernel and base initrd are read from, for the hints. */
  imagesDir: string;
  /** The draft being edited; absent for a new version. */
  version?: VersionFormValues;
  /** Starting values of a new version. */
  defaults?: Partial<VersionFormValues>;
  submitLabel: string;
}

type Key = Exclude<keyof VersionFormValues, "revision" | "signedKernel" | "signedModules">;

export function VersionForm({ action, releaseName, tree, imagesDir, version, defaults, submitLabel }: Props) {
  const { state, formAction, fieldErrors: err, values, initial } = useEntityForm<Partial<VersionFormValues>>(action, version ?? defaults);
  // a checkbox left unchecked is not sent: after a refused save, checked only if it was sent
  const checked = (name: "signedKernel" | "signedModules") => (values ? values[name] === "on" : !!(version ?? defaults)?.[name]);

  const field = (name: Key, label: string, props: { hint?: string; placeholder?: string; required?: boolean; mono?: boolean } = {}) => (
    <Field label={label} name={name} error={err?.[name]} hint={props.hint} required={props.required}>
      <Input
        {...fieldProps(name, err?.[name], !!props.hint)}
        defaultValue={initial(name)}
        placeholder={props.placeholder}
        className={props.mono === false ? undefined : "font-mono"}
      />
    </Field>
  );

  return (
    <form action={formAction} className="space-y-5" noValidate>
      <input type="hidden" name="release" value={releaseName} />
      {version && <input type="hidden" name="current" value={version.version} />}
      {version && <input type="hidden" name="revision" value={version.revision} />}
      <div className="grid gap-5 md:grid-cols-2">
        {field("version", "Version", { placeholder: "1", hint: "A label unique within the release: 1, 2, 2024-05, 7.3.1.", required: true })}
        {field("tmpfsSize", "tmpfs size", { placeholder: "256M", hint: "Size of the tmpfs root: like 256M, 2G or 50% (of RAM)." })}
        {field("kernel", "Kernel", { placeholder: "vmlinuz-2.4.20-20.7", hint: `File name in ${imagesDir}.`, required: true })}
        {field("baseInitrd", "Base initrd", {
          placeholder: "initrd-2.4.20-20.7.img",
          hint: `File name in ${imagesDir}; the generated overlay is appended to it.`,
          required: true,
        })}
        {field("modules", "Modules", { placeholder: "e1000, tg3", hint: "NIC and extra modules loaded in this order; comma- or space-separated." })}
        {field("readonly", "Read-only directories", {
          placeholder: "bin, lib, sbin, usr, opt, var/lib/rpm",
          hint: `Bind-mounted read-only from ${tree}.`,
          required: true,
        })}
        {field("writable", "Writable directories", { placeholder: "etc, dev, var", hint: `Each built in tmpfs from ${tree}/tars/<dir>.tar.gz.` })}
      </div>
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium">Secure Boot</legend>
        <CheckboxField
          name="signedKernel"
          label="Signed kernel"
          error={err?.signedKernel}
          defaultChecked={checked("signedKernel")}
          hint="The kernel is signed by a key shim trusts, e.g. Debian's signed linux-image. UEFI Secure Boot hosts may boot this version only then."
        />
        <CheckboxField
          name="signedModules"
          label="Signed modules"
          error={err?.signedModules}
          defaultChecked={checked("signedModules")}
          hint="Every module it loads is signed: kAFS and the NIC modules of the distribution kernel are; a locally built openafs.ko only after the DKMS MOK key is enrolled. Secure Boot hosts on an OpenAFS cell need it."
        />
      </fieldset>
      <Field label="Notes" name="notes" error={err?.notes}>
        <Textarea {...fieldProps("notes", err?.notes)} rows={3} defaultValue={initial("notes")} />
      </Field>
      <FormMessage state={state?.ok ? null : state} />
      <SubmitButton pendingText="Saving…">{submitLabel}</SubmitButton>
    </form>
  );
}
