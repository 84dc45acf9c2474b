import type { Metadata } from "next";
import Link from "next/link";
import { RangeForm } from "@/components/hosts-range/range-form";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { requireActor } from "@/lib/auth/session";
import { hostChoices } from "@/lib/data/host-queries";
import { enrollRange, previewRange } from "./actions";

export const metadata: Metadata = { title: "Enroll a range of hosts" };

export default async function RangePage() {
  const actor = await requireActor("operator");
  const { cells, releases } = await hostChoices(actor);
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
      <RangeForm previewAction={previewRange} enrollAction={enrollRange} choices={{ cells, releases }} />
    </div>
  );
}
