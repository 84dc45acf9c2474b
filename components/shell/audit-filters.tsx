import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Field, fieldProps } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";

// The audit log's filters (/audit): a plain GET form, so a filtered view is a link and works
// without JavaScript; a select changes nothing until "Apply filters".

export const AUDIT_PARAMS = ["q", "user", "action", "type", "object", "from", "to"] as const;
export type AuditParams = Partial<Record<(typeof AUDIT_PARAMS)[number], string>>;

export interface AuditChoices {
  users: string[];
  actions: string[];
  types: string[];
}

function Choice({
  label,
  name,
  any,
  options,
  params,
  errors,
}: {
  label: string;
  name: "user" | "action" | "type";
  any: string;
  options: string[];
  params: AuditParams;
  errors: Record<string, string>;
}) {
  const value = params[name];
  // a value linked from elsewhere that the log no longer holds stays selectable (and matches nothing)
  const all = value && !options.includes(value) ? [...options, value] : options;
  return (
    <Field label={label} name={name} error={errors[name]}>
      <NativeSelect {...fieldProps(name, errors[name])} defaultValue={value ?? ""}>
        <option value="">{any}</option>
        {all.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </NativeSelect>
    </Field>
  );
}

export function AuditFilters({ params, choices, errors }: { params: AuditParams; choices: AuditChoices; errors: Record<string, string> }) {
  return (
    <form
      method="get"
      action="/audit"
      className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-4"
      aria-label="Filter the audit log"
    >
      <Field label="Search" name="q" error={errors.q} hint="Action, user or object, as typed">
        <Input {...fieldProps("q", errors.q, true)} type="search" defaultValue={params.q ?? ""} autoComplete="off" />
      </Field>
      <Choice label="User" name="user" any="Any user" options={choices.users} params={params} errors={errors} />
      <Choice label="Action" name="action" any="Any action" options={choices.actions} params={params} errors={errors} />
      <Choice label="Object type" name="type" any="Any object" options={choices.types} params={params} errors={errors} />
      <Field label="Object" name="object" error={errors.object} hint="A name; also finds a host inside an action on many hosts">
        <Input {...fieldProps("object", errors.object, true)} defaultValue={params.object ?? ""} placeholder="node001" autoComplete="off" />
      </Field>
      <Field label="From (UTC)" name="from" error={errors.from}>
        <Input {...fieldProps("from", errors.from)} type="datetime-local" defaultValue={params.from ?? ""} />
      </Field>
      <Field label="Before (UTC)" name="to" error={errors.to}>
        <Input {...fieldProps("to", errors.to)} type="datetime-local" defaultValue={params.to ?? ""} />
      </Field>
      <div className="flex items-end gap-2">
        <Button type="submit">Apply filters</Button>
        <Button asChild variant="outline">
          <Link href="/audit">Clear</Link>
        </Button>
      </div>
    </form>
  );
}
