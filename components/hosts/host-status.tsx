import { format } from "date-fns";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import type { HostView } from "@/lib/data/hosts";
import { bootChain, secureBootSource } from "@/lib/boot/secure-boot";
import { BootStateBadge, RebootPendingBadge } from "./boot-state-badge";

// What the host should run against what it last ran (principle 4: both are stored facts), and
// the placeholders of the cards that boot reporting and publishing fill in.

const when = (d: Date) => `${format(d, "yyyy-MM-dd HH:mm:ss")} UTC`;

/** `unpublished`: changes wait for a publication (the host's new files may be among them). */
export function HostStatus({ host, unpublished }: { host: HostView; unpublished: boolean }) {
  const assigned = host.assignedVersion ? `${host.release}@${host.assignedVersion}` : `${host.release} (no active version yet)`;
  const how = host.pinnedVersion ? "pinned" : "latest active version of the tree";
  const boot = host.lastBoot;
  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex flex-wrap items-center gap-2">
          Release and last boot
          {host.rebootPending && <RebootPendingBadge title="The host last booted another version than the one assigned" />}
        </CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="grid gap-x-6 gap-y-3 sm:grid-cols-[12rem_1fr]">
          <dt className="text-sm text-slate-500">Assigned release version</dt>
          <dd className="text-sm" data-testid="assigned-version">
            <span className="font-mono">{assigned}</span> <span className="text-slate-500">({how})</span>
          </dd>
          <dt className="text-sm text-slate-500">Boot chain</dt>
          <dd className="text-sm" data-testid="boot-chain">
            {bootChain({ mac: host.mac, secureBoot: host.effectiveSecureBoot })}
          </dd>
          <dt className="text-sm text-slate-500">Secure Boot</dt>
          <dd className="text-sm" data-testid="secure-boot">
            {secureBootSource(host)}
          </dd>
          <dt className="text-sm text-slate-500">Last booted version</dt>
          <dd className="text-sm" data-testid="booted-version">
            {boot ? <span className="font-mono">{host.bootedLabel ?? "not reported"}</span> : "never booted"}
          </dd>
          <dt className="text-sm text-slate-500">Last boot</dt>
          <dd className="flex flex-wrap items-center gap-2 text-sm">
            <BootStateBadge state={host.bootState} />
            {boot ? (
              <span>
                started {when(boot.startedAt)}, stage <span className="font-mono">{boot.currentStage}</span>
                {boot.message && <span className="text-slate-600">: {boot.message}</span>}
              </span>
            ) : (
              <span className="text-slate-600">No boot report has arrived from this host yet.</span>
            )}
          </dd>
        </dl>
        {host.rebootPending && (
          <p className="mt-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            Reboot pending: the host runs {host.bootedLabel ?? "an unreported version"} but is assigned {assigned}. It picks up the assigned version at its next
            boot{unpublished ? ", once the change is published" : ""}.
          </p>
        )}
      </CardContent>
    </Card>
  );
}
