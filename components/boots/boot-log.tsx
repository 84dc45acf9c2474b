import Link from "next/link";
import { BootStateBadge } from "@/components/hosts/boot-state-badge";
import { duration, utc } from "@/components/publications/format";
import { Button } from "@/components/ui/button";
import { Field, fieldProps } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { STAGES } from "@/lib/boot/stages";
import type { BootLogRow } from "@/lib/data/boot-log";
import { BOOT_LOG_PAGE_SIZES, BOOT_LOG_STATES } from "@/lib/validation/boot-log";

// The fleet's boot log (/boots): a plain GET form of filters (works without JavaScript; a select
// changes nothing until "Apply"), and one row per boot linking to the host's boot history.

export type BootLogParams = Partial<Record<"state" | "stage" | "release" | "version" | "network" | "host" | "from" | "to" | "pageSize", string>>;

export interface BootLogChoices {
  networks: string[];
  releases: { name: string; versions: string[] }[];
}

const STATE_LABEL: Record<string, string> = { booting: "Booting", up: "Up", failed: "Failed", stalled: "Stalled" };

export function BootLogFilters({ params, choices, errors }: { params: BootLogParams; choices: BootLogChoices; errors: Record<string, string> }) {
  return (
    <form
      method="get"
      action="/boots"
      className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-4"
      aria-label="Filter boots"
    >
      <Field label="State" name="state" error={errors.state}>
        <NativeSelect {...fieldProps("state", errors.state)} defaultValue={params.state ?? ""}>
          <option value="">Any state</option>
          {BOOT_LOG_STATES.map((s) => (
            <option key={s} value={s}>
              {STATE_LABEL[s]}
            </option>
          ))}
        </NativeSelect>
      </Field>
      <Field label="Stage reached" name="stage" error={errors.stage}>
        <NativeSelect {...fieldProps("stage", errors.stage)} defaultValue={params.stage ?? ""}>
          <option value="">Any stage</option>
          {STAGES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </NativeSelect>
      </Field>
      <Field label="Release or version" name="version" error={errors.version ?? errors.release}>
        <NativeSelect
          {...fieldProps("version", errors.version ?? errors.release)}
          defaultValue={params.version ? params.version : params.release ? `${params.release}@` : ""}
        >
          <option value="">Any release</option>
          {choices.releases.map((r) => [
            <option key={r.name} value={`${r.name}@`}>
              {r.name} (every version)
            </option>,
            ...r.versions.map((v) => (
              <option key={`${r.name}@${v}`} value={`${r.name}@${v}`}>
                {r.name}@{v}
              </option>
            )),
          ])}
        </NativeSelect>
      </Field>
      <Field label="Network" name="network" error={errors.network}>
        <NativeSelect {...fieldProps("network", errors.network)} defaultValue={params.network ?? ""}>
          <option value="">Any network</option>
          {choices.networks.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </NativeSelect>
      </Field>
      <Field label="Host" name="host" error={errors.host} hint="The start of a host name">
        <Input {...fieldProps("host", errors.host, true)} defaultValue={params.host ?? ""} placeholder="node0" autoComplete="off" />
      </Field>
      <Field label="Started from (UTC)" name="from" error={errors.from}>
        <Input {...fieldProps("from", errors.from)} type="datetime-local" defaultValue={params.from ?? ""} />
      </Field>
      <Field label="Started before (UTC)" name="to" error={errors.to}>
        <Input {...fieldProps("to", errors.to)} type="datetime-local" defaultValue={params.to ?? ""} />
      </Field>
      <Field label="Per page" name="pageSize" error={errors.pageSize}>
        <NativeSelect {...fieldProps("pageSize", errors.pageSize)} defaultValue={params.pageSize ?? "50"}>
          {BOOT_LOG_PAGE_SIZES.map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </NativeSelect>
      </Field>
      <div className="flex items-end gap-2 sm:col-span-2 lg:col-span-4">
        <Button type="submit">Apply filters</Button>
        <Button asChild variant="outline">
          <Link href="/boots">Clear</Link>
        </Button>
      </div>
    </form>
  );
}

export function BootLogTable({ rows }: { rows: BootLogRow[] }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <Table aria-label="Boots, newest first">
        <TableHeader>
          <TableRow>
            <TableHead>Started</TableHead>
            <TableHead>Host</TableHead>
            <TableHead>State</TableHead>
            <TableHead>Stage reached</TableHead>
            <TableHead>Release</TableHead>
            <TableHead className="hidden md:table-cell">Network</TableHead>
            <TableHead className="hidden md:table-cell">Duration</TableHead>
            <TableHead>Message</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((b) => (
            <TableRow key={`${b.host}/${b.bootId}`} data-testid="boot-log-row" data-boot-id={b.bootId}>
              <TableCell className="whitespace-nowrap font-mono text-xs">
                <time dateTime={b.startedAt.toISOString()} title={`boot ${b.bootId}`}>
                  {utc(b.startedAt)}
                </time>
              </TableCell>
              <TableCell>
                <Link
                  className="font-medium text-blue-700 underline-offset-2 hover:underline focus-visible:underline"
                  href={`/hosts/${encodeURIComponent(b.host)}#boot-history`}
                >
                  {b.host}
                </Link>
              </TableCell>
              <TableCell>
                <BootStateBadge state={b.state} testId="boot-log-state" />
              </TableCell>
              <TableCell className="font-mono text-xs">{b.failedStage ? `${b.failedStage} (failed)` : b.currentStage}</TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{b.releaseVersion ?? "not reported"}</TableCell>
              <TableCell className="hidden md:table-cell">{b.network}</TableCell>
              <TableCell className="hidden whitespace-nowrap tabular-nums md:table-cell">{b.durationMs === null ? "—" : duration(b.durationMs)}</TableCell>
              <TableCell className={b.state === "failed" ? "max-w-md text-red-800" : "max-w-md text-slate-600"}>
                {b.message ? (
                  <span className="line-clamp-2" title={b.message}>
                    {b.message}
                  </span>
                ) : null}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
