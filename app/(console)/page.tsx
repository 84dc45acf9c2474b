import type { Metadata } from "next";
import Link from "next/link";
import { formatDistanceToNow } from "date-fns";
import { CheckCircle2, Circle, Upload } from "lucide-react";
import { FleetLive } from "@/components/dashboard/fleet-live";
import { toWire } from "@/components/dashboard/fleet-wire";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireActor } from "@/lib/auth/session";
import { fleetCounts } from "@/lib/data/dashboard";
import { fleetStatus } from "@/lib/data/fleet-status";
import { pendingChanges } from "@/lib/data/publications";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const actor = await requireActor();
  const [c, pending, fleet] = await Promise.all([fleetCounts(actor), pendingChanges(actor), fleetStatus(actor)]);
  const steps = [
    { done: c.networks > 0, href: "/networks/new", label: "Describe a network", detail: "the subnet, gateway, DNS and boot server your hosts use" },
    { done: c.cells > 0, href: "/cells/new", label: "Describe an AFS cell", detail: "its database servers and the boot root of your release trees" },
    { done: c.releases > 0, href: "/releases", label: "Add a release tree", detail: "kernel, base initrd and directories of a tree in AFS" },
    { done: c.hosts > 0, href: "/hosts", label: "Enroll hosts", detail: "hostname, MAC and fixed IP, one by one or in bulk" },
    { done: c.publications > 0, href: "/publications", label: "Publish boot files", detail: "DHCP, PXE/iPXE configs and initrd overlays" },
  ];
  const stats = [
    { label: "Hosts", value: c.hosts, href: "/hosts" },
    { label: "Networks", value: c.networks, href: "/networks" },
    { label: "Cells", value: c.cells, href: "/cells" },
    { label: "Release trees", value: c.releases, href: "/releases" },
  ];
  const setupDone = steps.every((s) => s.done);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Dashboard"
        description="The state of your diskless fleet at a glance."
        actions={
          pending.count > 0 && (
            <Button asChild variant="outline" size="sm">
              <Link href="/publications">
                <Upload className="size-4" aria-hidden />
                {pending.count.toLocaleString("en")} unpublished change{pending.count === 1 ? "" : "s"} · Publish
              </Link>
            </Button>
          )
        }
      />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {stats.map((s) => (
          <Link key={s.label} href={s.href} className="rounded-lg focus-visible:ring-2 focus-visible:ring-blue-500">
            <Card className="transition-colors hover:border-blue-300">
              <CardContent className="pt-6">
                <div className="text-sm text-slate-500">{s.label}</div>
                <div className="text-3xl font-semibold tabular-nums">{s.value.toLocaleString("en")}</div>
              </CardContent>
            </Card>
          </Link>
        ))}
      </div>
      {/* the live part: first numbers from the server, then polled in the browser */}
      <FleetLive initial={toWire(fleet)} />
      <div className="grid gap-6 lg:grid-cols-2">
        {!setupDone && (
          <Card>
            <CardHeader>
              <CardTitle>Getting started</CardTitle>
              <CardDescription>Five steps from an empty console to hosts that boot from AFS.</CardDescription>
            </CardHeader>
            <CardContent>
              <ol className="space-y-3">
                {steps.map((s) => (
                  <li key={s.label} className="flex gap-3">
                    {s.done ? (
                      <CheckCircle2 className="mt-0.5 h-5 w-5 shrink-0 text-green-600" aria-label="done" />
                    ) : (
                      <Circle className="mt-0.5 h-5 w-5 shrink-0 text-slate-300" aria-label="to do" />
                    )}
                    <div>
                      <Link href={s.href} className="font-medium text-blue-700 hover:underline">
                        {s.label}
                      </Link>
                      <p className="text-sm text-slate-600">{s.detail}</p>
                    </div>
                  </li>
                ))}
              </ol>
            </CardContent>
          </Card>
        )}
        <Card>
          <CardHeader>
            <CardTitle>Recent changes</CardTitle>
            <CardDescription>
              From the{" "}
              <Link href="/audit" className="text-blue-700 underline underline-offset-2 hover:no-underline">
                audit log
              </Link>
              .
            </CardDescription>
          </CardHeader>
          <CardContent>
            {c.recent.length === 0 ? (
              <p className="text-sm text-slate-500">No changes yet.</p>
            ) : (
              <ul className="divide-y divide-slate-100">
                {c.recent.map((e) => (
                  <li key={e.id} className="flex items-baseline justify-between gap-3 py-2 text-sm">
                    <span>
                      <span className="font-medium">{e.actorName}</span> <span className="font-mono text-xs">{e.action}</span> {e.targetName}
                    </span>
                    <span className="shrink-0 text-xs text-slate-500">{formatDistanceToNow(e.at)} ago</span>
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
      </div>
    </div>
  );
}
