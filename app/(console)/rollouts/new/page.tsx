import type { Metadata } from "next";
import { RolloutForm } from "@/components/rollouts/rollout-form";
import { PageHeader } from "@/components/ui/page-header";
import { requireActor } from "@/lib/auth/session";
import { hostChoices } from "@/lib/data/host-queries";
import { previewRolloutAction, startRolloutAction } from "../actions";

export const metadata: Metadata = { title: "Roll out a version" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function NewRolloutPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requireActor("operator");
  const raw = (await searchParams).version;
  const version = (Array.isArray(raw) ? raw[0] : raw) ?? "";
  const choices = await hostChoices(actor);
  return (
    <div className="space-y-6">
      <PageHeader
        title={version ? `Roll out ${version}` : "Roll out a version"}
        description="Moves the hosts you choose to the version in waves, a canary first; each wave must come up on the version before the next one starts. The preview shows which hosts, in which waves, before anything starts."
        breadcrumbs={[{ label: "Rollouts", href: "/rollouts" }, { label: "New" }]}
      />
      <RolloutForm
        version={version}
        choices={{
          versions: choices.releases.flatMap((r) => r.active.map((v) => `${r.name}@${v}`)),
          networks: choices.networks.map((n) => n.name),
          releases: choices.releases.map((r) => r.name),
          tags: choices.tags,
        }}
        previewAction={previewRolloutAction}
        startAction={startRolloutAction}
      />
    </div>
  );
}
