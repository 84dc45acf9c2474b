import Link from "next/link";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { ReleaseView } from "@/lib/data/releases";
import { VersionActions, type VersionActionSet } from "./version-actions";
import { suggestNextLabel, VersionStatusBadge } from "./version-status";

interface Props {
  release: Pick<ReleaseView, "name" | "versions">;
  /** Present for operators: the per-version buttons. Viewers get none. */
  actions?: VersionActionSet;
}

const num = (n: number) => <span className={n === 0 ? "text-slate-400" : undefined}>{n}</span>;
const signed = (v: { signedKernel: boolean; signedModules: boolean }) =>
  v.signedKernel || v.signedModules ? (
    [v.signedKernel && "kernel", v.signedModules && "modules"].filter(Boolean).join(", ")
  ) : (
    <span className="text-slate-400">—</span>
  );

/** The versions of a release, oldest first, with what hosts are assigned, pinned and running. */
export function VersionsTable({ release, actions }: Props) {
  const labels = release.versions.map((v) => v.version);
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Version</TableHead>
          <TableHead>Status</TableHead>
          <TableHead>Kernel</TableHead>
          <TableHead>Base initrd</TableHead>
          <TableHead>tmpfs</TableHead>
          <TableHead title="What Secure Boot hosts need: a signed kernel, and on an OpenAFS cell signed modules">Signed</TableHead>
          <TableHead className="text-right" title="Hosts that boot this version: pinned to it, or following the release while it is the latest">
            Assigned
          </TableHead>
          <TableHead className="text-right" title="Hosts pinned to this version (release@version)">
            Pinned
          </TableHead>
          <TableHead className="text-right" title="Hosts whose last boot reported this version">
            Running
          </TableHead>
          {actions && (
            <TableHead>
              <span className="sr-only">Actions</span>
            </TableHead>
          )}
        </TableRow>
      </TableHeader>
      <TableBody>
        {release.versions.map((v) => (
          <TableRow key={v.id}>
            <TableCell className="font-medium">
              <Link
                className="font-mono text-blue-700 hover:underline"
                href={`/releases/${encodeURIComponent(release.name)}/versions/${encodeURIComponent(v.version)}`}
              >
                {v.version}
              </Link>
            </TableCell>
            <TableCell>
              <VersionStatusBadge status={v.status} isLatest={v.isLatest} />
            </TableCell>
            <TableCell className="break-all font-mono text-xs">{v.kernel}</TableCell>
            <TableCell className="break-all font-mono text-xs">{v.baseInitrd}</TableCell>
            <TableCell className="font-mono text-xs">{v.tmpfsSize}</TableCell>
            <TableCell className="text-xs">{signed(v)}</TableCell>
            <TableCell className="text-right tabular-nums">{num(v.assignedHosts)}</TableCell>
            <TableCell className="text-right tabular-nums">{num(v.pinnedHosts)}</TableCell>
            <TableCell className="text-right tabular-nums">{num(v.runningHosts)}</TableCell>
            {actions && (
              <TableCell className="min-w-60">
                <VersionActions
                  actions={actions}
                  releaseName={release.name}
                  version={{ version: v.version, status: v.status, pinnedHosts: v.pinnedHosts, isLatest: v.isLatest, statusEffect: v.statusEffect }}
                  suggested={suggestNextLabel(labels, labels[labels.length - 1])}
                />
              </TableCell>
            )}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
