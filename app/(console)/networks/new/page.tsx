import type { Metadata } from "next";
import { NetworkForm } from "@/components/networks/network-form";
import { Card, CardContent } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireActor } from "@/lib/auth/session";
import { createNetworkAction } from "../actions";

export const metadata: Metadata = { title: "New network" };

export default async function NewNetworkPage() {
  await requireActor("operator");
  return (
    <div className="space-y-6">
      <PageHeader title="New network" breadcrumbs={[{ label: "Networks", href: "/networks" }, { label: "New" }]} />
      <Card>
        <CardContent className="pt-6">
          <NetworkForm action={createNetworkAction} submitLabel="Create network" />
        </CardContent>
      </Card>
    </div>
  );
}
