"use client";

import { useState } from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { LoaderCircle, Power, RefreshCw, TriangleAlert } from "lucide-react";
import type { ActionState } from "@/lib/action-state";
import type { HostView } from "@/lib/data/hosts";
import { ACTION_LABELS, CONSEQUENCES, DRIVER_LABELS, actionVerb, inheritedText, needsConfirmation, stateLabel } from "@/lib/power/labels";
import type { PowerAction } from "@/lib/power/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { EmptyState } from "@/components/ui/empty-state";
import { fetchHostPower, postHostPower, powerKeys, type PowerOutcomeWire } from "./power-wire";

// The host page's Power card: the BMC the console uses for the host (its own settings and its
// network's), the power state asked of the BMC on each visit and on Refresh, and (operator) the
// actions; off, cycle and reset are confirmed first. Each answer is the BMC's, shown as it came.

type PowerView = NonNullable<HostView["power"]>;

const ACTIONS: PowerAction[] = ["on", "off", "cycle", "reset", "pxe"];

interface Props {
  host: string;
  network: string;
  power: HostView["power"];
  /** operator or admin: may run actions (a viewer sees the state only) */
  canOperate: boolean;
}

export function PowerCard({ host, network, power, canOperate }: Props) {
  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex flex-wrap items-center gap-2">
          Power
          {power?.insecure && power.driver === "redfish" && (
            <Badge variant="warning" title="The BMC's TLS certificate is not checked" data-testid="power-insecure">
              <TriangleAlert aria-hidden="true" />
              insecure
            </Badge>
          )}
        </CardTitle>
      </CardHeader>
      <CardContent>
        {power ? (
          <PowerControl host={host} network={network} power={power} canOperate={canOperate} />
        ) : (
          <EmptyState icon={Power} title="No BMC" className="py-8">
            Power control needs a BMC: give this host a driver and address in its settings
            {canOperate ? " below" : " (an operator can)"}, or give network{" "}
            <Link className="font-medium underline" href={`/networks/${encodeURIComponent(network)}`}>
              {network}
            </Link>{" "}
            a default driver (its hosts inherit it).
          </EmptyState>
        )}
      </CardContent>
    </Card>
  );
}

function PowerControl({ host, network, power, canOperate }: Props & { power: PowerView }) {
  const queryClient = useQueryClient();
  const usable = !power.problem;
  const status = useQuery({
    queryKey: powerKeys.host(host),
    queryFn: ({ signal }) => fetchHostPower(host, signal),
    enabled: usable,
    // each read asks the BMC (or starts the command): only on a visit, on Refresh and after an action
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    retry: false,
  });
  const [answer, setAnswer] = useState<{ action: PowerAction; ok: boolean; message: string } | null>(null);
  const mutation = useMutation({
    mutationFn: (action: PowerAction) => postHostPower(host, action),
    onSuccess: (r, action) => setAnswer({ action, ok: r.ok, message: r.message }),
    onError: (e, action) => setAnswer({ action, ok: false, message: e.message }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: powerKeys.host(host) }),
  });
  const busy = mutation.isPending;

  /** A confirmed action as the confirmation dialog runs it: closes on the BMC's ok, else shows its answer. */
  const confirmed = (action: PowerAction) => async (): Promise<ActionState> => {
    try {
      const r = await mutation.mutateAsync(action);
      return r.ok ? { ok: true, message: `${actionVerb(action)} ${host}: ${r.message}` } : { ok: false, error: r.message };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  };

  // the certificate check matters to Redfish only (a network's opt-out is always set, true or false)
  const inherited = inheritedText(
    power.inherited.filter((s) => s !== "insecure" || power.driver === "redfish"),
    network,
  );
  const from = (key: PowerView["inherited"][number]) =>
    power.inherited.includes(key) ? (
      <Badge variant="outline" className="ml-2" title={`from network ${network}`}>
        inherited
      </Badge>
    ) : null;
  return (
    <div className="space-y-4">
      <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]">
        <dt className="text-slate-500">Driver</dt>
        <dd data-testid="power-driver">
          {DRIVER_LABELS[power.driver]}
          {power.driver === "command" && power.command && <span className="font-mono"> {power.command}</span>}
          {from("driver") ?? from("command")}
        </dd>
        <dt className="text-slate-500">Address</dt>
        <dd className="font-mono">{power.address ?? "—"}</dd>
        <dt className="text-slate-500">User</dt>
        <dd>
          <span className="font-mono">{power.user ?? "—"}</span>
          {from("user")}
        </dd>
        <dt className="text-slate-500">Password</dt>
        <dd>
          {power.passwordSet ? "stored" : "none"}
          {from("password")}
        </dd>
        <dt className="text-slate-500">Power state</dt>
        <dd data-testid="power-state-row" className="flex flex-wrap items-center gap-2">
          <PowerState usable={usable} status={status} />
          {usable && (
            <Button type="button" variant="outline" size="sm" onClick={() => void status.refetch()} disabled={status.isFetching}>
              <RefreshCw className={status.isFetching ? "animate-spin" : undefined} aria-hidden="true" />
              Refresh
            </Button>
          )}
        </dd>
      </dl>
      {inherited && (
        <p className="text-sm text-slate-600" data-testid="power-inherited">
          {inherited[0]!.toUpperCase() + inherited.slice(1)}.
        </p>
      )}
      {power.problem && (
        <p
          role="alert"
          className="flex items-start gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900"
          data-testid="power-problem"
        >
          <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
          <span>The console cannot use this BMC: {power.problem}.</span>
        </p>
      )}
      {canOperate && usable && (
        <div role="group" aria-label="Power actions" className="flex flex-wrap items-center gap-2">
          {ACTIONS.map((action) =>
            needsConfirmation(action) ? (
              <ConfirmDelete
                key={action}
                action={confirmed(action)}
                verb={actionVerb(action)}
                what={`host ${host}`}
                triggerLabel={ACTION_LABELS[action]}
                description={CONSEQUENCES[action]}
                disabled={busy}
              />
            ) : (
              <Button key={action} type="button" variant="outline" size="sm" disabled={busy} onClick={() => mutation.mutate(action)}>
                {busy && mutation.variables === action && <LoaderCircle className="animate-spin" aria-hidden="true" />}
                {ACTION_LABELS[action]}
              </Button>
            ),
          )}
        </div>
      )}
      <p role="status" className="text-sm" data-testid="power-answer">
        {busy && mutation.variables ? (
          <span className="flex items-center gap-2 text-slate-600">
            <LoaderCircle className="size-4 animate-spin" aria-hidden="true" />
            {actionVerb(mutation.variables)} {host}: waiting for the BMC…
          </span>
        ) : answer ? (
          <span className={answer.ok ? "text-green-800" : "text-red-700"}>
            {ACTION_LABELS[answer.action]}: {answer.ok ? "done" : "failed"} — {answer.message}
          </span>
        ) : null}
      </p>
    </div>
  );
}

function PowerState({ usable, status }: { usable: boolean; status: { isPending: boolean; isError: boolean; error: Error | null; data?: PowerOutcomeWire } }) {
  if (!usable) return <span className="text-slate-600">—</span>;
  if (status.isPending)
    return (
      <span className="flex items-center gap-2 text-slate-600" data-testid="power-state" data-state="loading">
        <LoaderCircle className="size-4 animate-spin" aria-hidden="true" />
        Asking the BMC…
      </span>
    );
  if (status.isError || !status.data)
    return (
      <span className="text-red-700" data-testid="power-state" data-state="error">
        Could not ask the BMC: {status.error?.message ?? "no answer"}
      </span>
    );
  const r = status.data;
  if (!r.ok)
    return (
      <span className="text-red-700" data-testid="power-state" data-state="error">
        The BMC did not answer: {r.message}
      </span>
    );
  const state = stateLabel(r.state);
  return (
    <Badge variant={state === "on" ? "success" : state === "off" ? "secondary" : "warning"} data-testid="power-state" data-state={state}>
      {state}
    </Badge>
  );
}
