import type { Metadata } from "next";
import { CellForm } from "@/components/cells/cell-form";
import { Card, CardContent } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireActor } from "@/lib/auth/session";
import { createCellAction } from "../actions";

export const metadata: Metadata = { title: "New cell" };

export default async function NewCellPage() {
  await requireActor("operator");
  return (
    <div className="space-y-6">
      <PageHeader title="New cell" breadcrumbs={[{ label: "Cells", href: "/cells" }, { label: "New" }]} />
      <Card>
        <CardContent className="pt-6">
          <CellForm action={createCellAction} submitLabel="Create cell" />
        </CardContent>
      </Card>
    </div>
  );
}
