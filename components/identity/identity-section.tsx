import "server-only";
import { hasRole, type Actor } from "@/lib/auth/roles";
import { hostSecretsView } from "@/lib/data/host-secrets";
import { hostIdentity } from "@/lib/data/identity";
import { IdentityCard } from "./identity-card";
import type { IdentityWire } from "./identity-wire";

/** The host page's identity card, its first paint read on the server in the API's wire format. */
export async function IdentitySection({ actor, host, network }: { actor: Actor; host: string; network: string }) {
  const [identity, secrets] = await Promise.all([hostIdentity(actor, host), hostSecretsView(actor, host)]);
  // dates as the API sends them, so the server's paint and the browser's refreshes agree
  const initial = JSON.parse(JSON.stringify({ identity, secrets })) as IdentityWire;
  return <IdentityCard host={host} network={network} initial={initial} canOperate={hasRole(actor.role, "operator")} canAdmin={hasRole(actor.role, "admin")} />;
}
