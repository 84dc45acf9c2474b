import type { Metadata } from "next";
import Link from "next/link";
import { RangeForm } from "@/components/hosts-range/range-form";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { requireActor } from "@/lib/auth/session";
import { listCells } from "@/lib/data/cells";
import { listReleases } from "@/lib/data/releases";
import { enrollRange, previewRange } from "./actions";

export const metadata: Metadata = { title: "Enroll a range of hosts" };

export default async function RangePage() {
  const actor = await requireActor("operator");
  const [cells, releases] = await Promise.all([listCells(actor), listReleases(actor)]);
  // suggestions only (first page of each): the server checks whatever is typed
  const releaseRefs = releases.items.flatMap((r) => [r.name, ...r.versions.filter((v) => v.status === "active").map((v) => `${r.name}@${v.version}`)]);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Enroll a range of hosts"
        description="Hostnames from a pattern, addresses counting up from a starting IP, and one MAC per host. All hosts are enrolled, or none."
        breadcrumbs={[{ label: "Hosts", href: "/hosts" }, { label: "Enroll a range" }]}
        actions={
          <Button asChild variant="outline">
            <Link href="/hosts/import">Import a CSV instead</Link>
          </Button>
        }
      />
      <RangeForm previewAction={previewRange} enrollAction={enrollRange} cells={cells.items.map((c) => c.name)} releases={releaseRefs} />
    </div>
  );
}
