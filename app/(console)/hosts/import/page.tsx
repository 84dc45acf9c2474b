import type { Metadata } from "next";
import Link from "next/link";
import { CsvImport } from "@/components/hosts-import/csv-import";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { requireActor } from "@/lib/auth/session";
import { enrollCsv, previewCsv } from "./actions";

export const metadata: Metadata = { title: "Import hosts from CSV" };

export default async function ImportHostsPage() {
  await requireActor("operator");
  return (
    <div className="space-y-6">
      <PageHeader
        title="Import hosts from CSV"
        description="Enroll many hosts at once. Preview checks every row against the database; enrolling saves all rows or none."
        breadcrumbs={[{ label: "Hosts", href: "/hosts" }, { label: "Import CSV" }]}
        actions={
          <Button asChild variant="outline">
            <Link href="/hosts/range">Enroll a range instead</Link>
          </Button>
        }
      />
      <CsvImport previewAction={previewCsv} enrollAction={enrollCsv} />
    </div>
  );
}
