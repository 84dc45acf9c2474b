import type { Metadata } from "next";
import Link from "next/link";
import { HostForm } from "@/components/hosts/host-form";
import { Card, CardContent } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireActor } from "@/lib/auth/session";
import { hostChoices } from "@/lib/data/host-queries";
import { createHostAction } from "../actions";

export const metadata: Metadata = { title: "Enroll host" };

export default async function NewHostPage({ searchParams }: { searchParams: Promise<{ mac?: string | string[] }> }) {
  const actor = await requireActor("operator");
  const { mac } = await searchParams;
  const choices = await hostChoices(actor);
  const missing = [
    choices.networks.length === 0 && { label: "a network", href: "/networks/new" },
    choices.cells.length === 0 && { label: "a cell", href: "/cells/new" },
    choices.releases.length === 0 && { label: "a release", href: "/releases" },
  ].filter((m): m is { label: string; href: string } => !!m);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Enroll host"
        description="One diskless host: its NIC, fixed address, AFS cell and the release it boots."
        breadcrumbs={[{ label: "Hosts", href: "/hosts" }, { label: "Enroll" }]}
      />
      {missing.length > 0 && (
        <p role="note" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          A host needs a network, a cell and a release. Add{" "}
          {missing.map((m, i) => (
            <span key={m.href}>
              {i > 0 && (i === missing.length - 1 ? " and " : ", ")}
              <Link className="font-medium underline" href={m.href}>
                {m.label}
              </Link>
            </span>
          ))}{" "}
          first.
        </p>
      )}
      <Card>
        <CardContent className="pt-6">
          <HostForm action={createHostAction} choices={choices} mac={Array.isArray(mac) ? mac[0] : mac} submitLabel="Enroll host" />
        </CardContent>
      </Card>
    </div>
  );
}
