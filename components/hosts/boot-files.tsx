import type { ReactNode } from "react";
import { Download } from "lucide-react";
import { bytes, utc } from "@/components/publications/format";
import { generatorProblem } from "@/components/publications/generator-error";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import type { Actor } from "@/lib/auth/roles";
import { hostBootFiles, type BootFile } from "@/lib/data/boot-files";
import { errorFields, log } from "@/lib/log";

// The host's boot files as the next publication writes them (same generators), each beside what
// the export directory holds now, with a download. Computing them builds the host's overlay
// initrd, so the host page streams this card in (see the Suspense boundary on the page).

const STATE: Record<BootFile["state"], { label: string; variant: "success" | "warning" | "secondary" }> = {
  current: { label: "published", variant: "success" },
  pending: { label: "differs from published: publish to apply", variant: "warning" },
  missing: { label: "not published yet", variant: "secondary" },
};

function Frame({ children }: { children: ReactNode }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Boot files</CardTitle>
        <CardDescription>What the next publication writes for this host, compared with what the export directory holds now.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-6">{children}</CardContent>
    </Card>
  );
}

export function BootFilesSkeleton() {
  return (
    <Frame>
      <div className="space-y-3" aria-busy="true" aria-label="Loading the boot files">
        <Skeleton className="h-4 w-1/3" />
        <Skeleton className="h-16 w-full" />
        <Skeleton className="h-32 w-full" />
      </div>
    </Frame>
  );
}

function Rows({ rows }: { rows: [label: string, value: ReactNode][] }) {
  return (
    <dl className="grid gap-x-6 gap-y-2 sm:grid-cols-[11rem_1fr]">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-sm text-slate-500">{label}</dt>
          <dd className="min-w-0 text-sm">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

const mono = (text: string) => <span className="break-all font-mono text-xs">{text}</span>;

function ImageInfo({ title, image, extra }: { title: string; image: { path: string; sha256: string; size: number }; extra?: [string, ReactNode][] }) {
  return (
    <section className="space-y-2" aria-label={title}>
      <h4 className="text-sm font-medium text-slate-900">{title}</h4>
      <Rows rows={[["Export path", mono(image.path)], ["sha256", mono(image.sha256)], ["Size", bytes(image.size)], ...(extra ?? [])]} />
    </section>
  );
}

function OverlayAssignment({ sha256, assigned, assignedAt }: { sha256: string; assigned: string | null; assignedAt: Date | null }) {
  if (assigned === sha256) return <span>yes: the host is assigned this overlay{assignedAt && ` (since ${utc(assignedAt)})`}</span>;
  if (assigned === null) return <Badge variant="secondary">none assigned yet: publish to assign it</Badge>;
  return (
    <span className="space-x-2">
      <Badge variant="warning">no: publish to assign this one</Badge>
      <span className="text-slate-600">the host is assigned {mono(assigned)}</span>
    </span>
  );
}

function FileBlock({ host, file }: { host: string; file: BootFile }) {
  const s = STATE[file.state];
  const id = `boot-file-${file.key}`;
  return (
    <section aria-labelledby={id} className="space-y-2" data-testid={id}>
      <div className="flex flex-wrap items-center gap-2">
        <h4 id={id} className="text-sm font-medium text-slate-900">
          {file.title}
        </h4>
        <Badge variant={s.variant}>{s.label}</Badge>
        <Button asChild variant="outline" size="sm" className="ml-auto">
          <a href={`/api/v1/hosts/${encodeURIComponent(host)}/boot-files/${file.key}`} download={file.filename}>
            <Download className="size-3.5" aria-hidden />
            Download<span className="sr-only"> {file.title}</span>
          </a>
        </Button>
      </div>
      <p className="text-xs text-slate-600">
        in <span className="break-all font-mono">{file.path}</span>
      </p>
      <pre tabIndex={0} className="max-h-72 overflow-auto rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs leading-5 text-slate-800">
        {file.content}
      </pre>
    </section>
  );
}

export async function BootFiles({ actor, hostName }: { actor: Actor; hostName: string }) {
  let files: Awaited<ReturnType<typeof hostBootFiles>>;
  try {
    files = await hostBootFiles(actor, hostName);
  } catch (e) {
    // an images directory out of reach, a missing busybox, a release tree in another cell: say so
    // here and keep the rest of the host page
    const problem = generatorProblem(e);
    if (problem === null) log.error("boot files failed", { host: hostName, ...errorFields(e) });
    files = { ready: false, reason: problem ?? "they could not be generated (the server log has details)" };
  }
  if (!files.ready) {
    return (
      <Frame>
        <p role="note" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          No boot files for this host: {files.reason}
        </p>
      </Frame>
    );
  }
  const o = files.overlay;
  return (
    <Frame>
      <Rows
        rows={[
          [
            "Release",
            <span key="release" className="font-mono">
              {files.label}
            </span>,
          ],
          ["Cell", files.cell],
          ["Network", files.network],
        ]}
      />
      <section className="space-y-2" aria-labelledby="cmdline-heading">
        <h3 id="cmdline-heading" className="text-sm font-semibold text-slate-900">
          Kernel command line
        </h3>
        <pre
          className="whitespace-pre-wrap break-all rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs leading-5"
          data-testid="kernel-cmdline"
        >
          {files.cmdline}
        </pre>
      </section>
      <section className="space-y-4" aria-labelledby="images-heading">
        <h3 id="images-heading" className="text-sm font-semibold text-slate-900">
          Kernel and initrds
        </h3>
        <ImageInfo
          title="Overlay initrd"
          image={o}
          extra={[
            [
              "State",
              <Badge key="state" variant={STATE[o.state].variant}>
                {STATE[o.state].label}
              </Badge>,
            ],
            ["Assigned to the host", <OverlayAssignment key="assigned" sha256={o.sha256} assigned={o.assigned} assignedAt={o.assignedAt} />],
          ]}
        />
        <ImageInfo title="Kernel" image={files.kernel} />
        <ImageInfo title="Base initrd" image={files.baseInitrd} />
      </section>
      <section className="space-y-5" aria-labelledby="configs-heading">
        <h3 id="configs-heading" className="text-sm font-semibold text-slate-900">
          DHCP and PXE configs
        </h3>
        {files.files.map((f) => (
          <FileBlock key={f.key} host={hostName} file={f} />
        ))}
      </section>
    </Frame>
  );
}
