import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { utc } from "@/components/publications/format";
import { RolloutLive } from "@/components/rollouts/rollout-live";
import { toWire } from "@/components/rollouts/rollout-wire";
import { PageHeader } from "@/components/ui/page-header";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { getRollout } from "@/lib/data/rollouts";
import { orNotFound } from "@/lib/errors";
import { rolloutLeverAction } from "../actions";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Rollout ${decodeURIComponent((await params).id)}` };
}

export default async function RolloutPage({ params }: { params: Params }) {
  const actor = await requireActor();
  const id = decodeURIComponent((await params).id);
  const rollout = await orNotFound(getRollout(actor, id), notFound);
  const [release, version] = [rollout.version.slice(0, rollout.version.lastIndexOf("@")), rollout.version.slice(rollout.version.lastIndexOf("@") + 1)];
  return (
    <div className="space-y-6">
      <PageHeader
        title={`Rollout of ${rollout.version}`}
        description={
          <>
            Started by {rollout.actorName} at {utc(rollout.createdAt)}
            {rollout.finishedAt ? `, over at ${utc(rollout.finishedAt)}` : ""}. Version page:{" "}
            <Link className="font-medium text-blue-700 underline" href={`/releases/${encodeURIComponent(release)}/versions/${encodeURIComponent(version)}`}>
              {rollout.version}
            </Link>
            .
          </>
        }
        breadcrumbs={[{ label: "Rollouts", href: "/rollouts" }, { label: id }]}
      />
      <RolloutLive initial={toWire(rollout)} leverAction={hasRole(actor.role, "operator") ? rolloutLeverAction : null} />
    </div>
  );
}
