import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { NetworkForm } from "@/components/networks/network-form";
import { SettingsOrDetails } from "@/components/shell/detail-list";
import { SavedToast } from "@/components/shell/saved-toast";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { PageHeader } from "@/components/ui/page-header";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { bootServerStates } from "@/lib/data/deliveries";
import { getNetwork, type NetworkView } from "@/lib/data/networks";
import { DRIVER_LABELS } from "@/lib/power/labels";
import { ENROLMENT_LABELS, IDENTITY_DESCRIPTIONS } from "@/lib/boot/identity-mode";
import { BootServerStates } from "@/components/publications/delivery-results";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { orNotFound } from "@/lib/errors";
import { deleteNetworkAction, updateNetworkAction } from "../actions";

type Params = Promise<{ name: string }>;

/** Why a network cannot be deleted yet (the data layer refuses while hosts use it), or nothing. */
const inUse = (hosts: number) =>
  hosts === 0 ? undefined : `Used by ${hosts} host${hosts === 1 ? "" : "s"}: move ${hosts === 1 ? "it" : "them"} to another network to delete it.`;

/** The BMC defaults in words (never the password: only whether one is stored). */
function bmcDefaults(n: NetworkView): string {
  if (!n.bmcDriver) return "— (none: hosts need their own BMC driver for power control)";
  const parts = [
    DRIVER_LABELS[n.bmcDriver],
    n.bmcUser && `user ${n.bmcUser}`,
    n.bmcPasswordSet && "password stored",
    n.bmcCommand && `command ${n.bmcCommand}`,
    n.bmcInsecure && "certificates not checked (insecure)",
  ];
  return parts.filter(Boolean).join(", ");
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Network ${decodeURIComponent((await params).name)}` };
}

export default async function NetworkPage({ params }: { params: Params }) {
  const actor = await requireActor();
  const name = decodeURIComponent((await params).name);
  const network = await orNotFound(getNetwork(actor, name), notFound);
  const canEdit = hasRole(actor.role, "operator");
  const names = new Set(network.bootServers.map((b) => b.name));
  const states = (await bootServerStates(actor)).filter((s) => names.has(s.server));
  const rows: [string, string][] = [
    ["Subnet", network.subnet],
    ["Gateway", network.gateway],
    ["DNS servers", network.dns.join(", ")],
    ["Domain", network.domain ?? "—"],
    ...(network.bootServers.length
      ? network.bootServers.map((b, i): [string, string] => [
          `Boot server ${i + 1}`,
          `${b.name} ${b.address}, files at ${b.url ?? `http://${b.address}/`}${b.deliverTo ? `, delivered to ${b.deliverTo}` : ""}`,
        ])
      : ([
          ["Boot server", network.bootServer],
          ["Boot files URL", network.bootUrl ?? `http://${network.bootServer}/ (default)`],
        ] as [string, string][])),
    ...(network.dhcpFailover ? [["DHCP failover", network.dhcpFailover === "hot-standby" ? "hot standby" : "load balancing"] as [string, string]] : []),
    network.reportUrls.length ? ["Report URLs", `${network.reportUrls.join(", ")} (tried in turn)`] : ["Report URL", network.reportUrl],
    ["Discovery range", network.discoveryRange ?? "— (enrolled hosts only)"],
    ["DHCP event hook", network.dhcpEventHook ?? "— (none)"],
    ["Secure Boot", network.secureBoot ? "on by default (UEFI Secure Boot: shim → GRUB → signed kernel)" : "off by default (iPXE)"],
    ["BMC defaults", bmcDefaults(network)],
    ["Host identity", IDENTITY_DESCRIPTIONS[network.identity]],
    ["First TPM seen", ENROLMENT_LABELS[network.identityEnrolment]],
    ["Hosts", String(network.hostCount)],
  ];
  return (
    <div className="space-y-6">
      <SavedToast message={`Saved network ${network.name}`} />
      <PageHeader
        title={`Network ${network.name}`}
        description={network.notes || undefined}
        breadcrumbs={[{ label: "Networks", href: "/networks" }, { label: network.name }]}
        actions={
          canEdit && (
            <ConfirmDelete
              action={deleteNetworkAction}
              what={`network ${network.name}`}
              hidden={{ current: network.name }}
              redirectTo="/networks"
              disabledReason={inUse(network.hostCount)}
              description="The network's DHCP configuration is removed at the next publication. This cannot be undone."
            />
          )
        }
      />
      <SettingsOrDetails editable={canEdit} rows={rows}>
        <NetworkForm key={network.revision} action={updateNetworkAction} network={network} submitLabel="Save changes" />
      </SettingsOrDetails>
      {states.length > 0 && (
        <Card>
          <CardHeader>
            <CardTitle>Boot servers&apos; copies</CardTitle>
          </CardHeader>
          <CardContent>
            <BootServerStates states={states} />
          </CardContent>
        </Card>
      )}
    </div>
  );
}
