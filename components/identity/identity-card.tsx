"use client";

import type { ReactNode } from "react";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { TriangleAlert } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DeliveriesList } from "./deliveries-list";
import { fetchIdentity, identityKeys, type IdentityWire } from "./identity-wire";
import { KeytabPanel } from "./keytab-panel";
import { SshKeysPanel } from "./ssh-keys-panel";
import { TpmPanel } from "./tpm-panel";
import { useIdentityAction } from "./use-identity-action";

// The host page's "Identity and secrets" card (docs/security.md): how the host proves who it is,
// its TPM (pinned, awaiting approval, or a mismatch that blocks its secrets), its SSH host keys'
// fingerprints, its keytab's summary and its last deliveries. Drawn by the server, then kept by
// TanStack Query through the API's wire and refreshed after each action. Operators approve,
// forget and rotate; admins handle the keytab; nothing secret is ever on the page.

interface Props {
  host: string;
  network: string;
  initial: IdentityWire;
  /** operator or admin: rotate SSH host keys (approve and forget: admin) */
  canOperate: boolean;
  /** admin: keytab upload, kadmin, remove */
  canAdmin: boolean;
}

export function IdentityCard({ host, network, initial, canOperate, canAdmin }: Props) {
  const { data } = useQuery({
    queryKey: identityKeys.host(host),
    queryFn: ({ signal }) => fetchIdentity(host, signal),
    initialData: initial,
    staleTime: 30_000,
  });
  const { run, confirmed, answer, busy } = useIdentityAction(host);
  const { identity, secrets } = data;
  const mismatch = !!identity.tpm?.mismatch;
  return (
    <Card className={mismatch ? "border-red-300" : undefined}>
      <CardHeader>
        <CardTitle className="flex flex-wrap items-center gap-2">
          Identity and secrets
          {mismatch && (
            <Badge variant="danger" data-testid="identity-mismatch-badge">
              <TriangleAlert aria-hidden="true" />
              identity mismatch
            </Badge>
          )}
        </CardTitle>
        <CardDescription>How the host proves who it is before it gets its SSH host keys and keytab. Only fingerprints and summaries are shown.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-6">
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]">
          <dt className="text-slate-500">Identity</dt>
          <dd data-testid="identity-mode">
            <Mode mode={identity.mode} />
            {identity.inherited && (
              <Badge variant="outline" className="ml-2" title={`from network ${network}`}>
                inherited
              </Badge>
            )}
            {identity.inherited && (
              <span className="block text-xs text-slate-600">
                From network{" "}
                <Link className="underline" href={`/networks/${encodeURIComponent(network)}`}>
                  {network}
                </Link>
                ; the host&apos;s settings can override it.
              </span>
            )}
          </dd>
        </dl>

        {(identity.mode === "tpm" || identity.tpm) && (
          <Section title="TPM">
            <TpmPanel host={host} tpm={identity.tpm} enrolment={identity.enrolment} canOperate={canAdmin} busy={busy} confirmed={confirmed} />
          </Section>
        )}
        <Section title="SSH host keys">
          <SshKeysPanel host={host} ssh={secrets.ssh} createdAt={secrets.sshCreatedAt} canOperate={canOperate} busy={busy} run={run} confirmed={confirmed} />
        </Section>
        <Section title="Kerberos keytab">
          <KeytabPanel host={host} secrets={secrets} canAdmin={canAdmin} busy={busy} run={run} confirmed={confirmed} />
        </Section>
        <Section title="Last deliveries">
          <DeliveriesList host={host} deliveries={identity.deliveries} mode={identity.mode} />
        </Section>
        <p role="status" className="text-sm" data-testid="identity-answer">
          {answer && <span className={answer.ok ? "text-green-800" : "text-red-700"}>{answer.message}</span>}
        </p>
      </CardContent>
    </Card>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="space-y-3 border-t border-slate-200 pt-4">
      <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
      {children}
    </section>
  );
}

function Mode({ mode }: { mode: IdentityWire["identity"]["mode"] }) {
  if (mode === "tpm") return <span>TPM: the host&apos;s TPM 2.0, pinned to it, unwraps each boot&apos;s key</span>;
  if (mode === "port")
    return (
      <span>
        Source port{" "}
        <Badge variant="warning" data-testid="identity-weaker">
          weaker
        </Badge>
        <span className="block text-xs text-slate-600">
          Secrets go in the clear to the host&apos;s address from a privileged port: root on any machine that can take its address gets them.
        </span>
      </span>
    );
  return <span>None: no secrets are delivered; the host makes its own SSH host keys at each boot</span>;
}
