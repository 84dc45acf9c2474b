"use client";

import { useState } from "react";
import Link from "next/link";
import { useMutation } from "@tanstack/react-query";
import { ChevronDown, LoaderCircle } from "lucide-react";
import { ACTION_LABELS, CONSEQUENCES, actionOnHosts, actionVerb, hostCount, needsConfirmation, outcomeSummary, stateLabel } from "@/lib/power/labels";
import { POWER_ACTIONS, type PowerAction } from "@/lib/power/types";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { postBulkPower, type BulkPowerWire } from "./power-wire";

// The hosts table's Power menu: an action on every selected host's BMC. Off, cycle and reset ask
// first, stating the count (as delete does); then one POST /api/v1/hosts/bulk/power, and each
// host's own answer in a dialog: one BMC failing never stops the others.

interface Run {
  action: PowerAction;
  hosts: string[];
  result?: BulkPowerWire;
  error?: string;
}

export function BulkPower({ selected }: { selected: string[] }) {
  const [asking, setAsking] = useState<PowerAction | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const mutation = useMutation({ mutationFn: (r: Run) => postBulkPower(r.action, r.hosts) });
  const count = selected.length;

  function start(action: PowerAction) {
    setAsking(null);
    const next: Run = { action, hosts: [...selected] };
    setRun(next);
    mutation.mutate(next, {
      onSuccess: (result) => setRun({ ...next, result }),
      onError: (e) => setRun({ ...next, error: e.message }),
    });
  }

  const running = mutation.isPending;
  return (
    <>
      {/* not modal: the confirmation and result dialogs it opens take the focus */}
      <DropdownMenu modal={false}>
        <DropdownMenuTrigger asChild>
          <Button type="button" variant="outline" size="sm" disabled={running}>
            {running && <LoaderCircle className="animate-spin" aria-hidden="true" />}
            Power
            <ChevronDown aria-hidden="true" />
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="start">
          {POWER_ACTIONS.map((action) => (
            <DropdownMenuItem
              key={action}
              variant={needsConfirmation(action) ? "destructive" : "default"}
              onSelect={() => (needsConfirmation(action) ? setAsking(action) : start(action))}
            >
              {ACTION_LABELS[action]}
              {needsConfirmation(action) ? "…" : ""}
            </DropdownMenuItem>
          ))}
        </DropdownMenuContent>
      </DropdownMenu>

      <AlertDialog open={asking !== null} onOpenChange={(open) => !open && setAsking(null)}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>{asking && `${actionOnHosts(asking, count)}?`}</AlertDialogTitle>
            <AlertDialogDescription>
              {asking && CONSEQUENCES[asking]} Each host&apos;s BMC is asked on its own: one that fails does not stop the others, and each answer is shown.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel type="button">Cancel</AlertDialogCancel>
            <Button type="button" variant="destructive" onClick={() => asking && start(asking)}>
              {asking && actionOnHosts(asking, count)}
            </Button>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>

      <Dialog open={run !== null} onOpenChange={(open) => !open && !running && setRun(null)}>
        <DialogContent className="sm:max-w-3xl" showCloseButton={!running}>
          {run && <RunResult run={run} />}
        </DialogContent>
      </Dialog>
    </>
  );
}

function RunResult({ run }: { run: Run }) {
  const title = `${actionVerb(run.action)} ${hostCount(run.hosts.length)}`;
  if (!run.result && !run.error)
    return (
      <DialogHeader>
        <DialogTitle>{title}</DialogTitle>
        <DialogDescription asChild>
          <p role="status" className="flex items-center gap-2" data-testid="bulk-power-progress">
            <LoaderCircle className="size-4 animate-spin" aria-hidden="true" />
            Asking {run.hosts.length === 1 ? "the BMC" : `${run.hosts.length.toLocaleString("en-US")} BMCs, a few at a time`}…
          </p>
        </DialogDescription>
      </DialogHeader>
    );
  if (run.error)
    return (
      <DialogHeader>
        <DialogTitle>{title}</DialogTitle>
        <DialogDescription asChild>
          <p role="alert" className="text-red-700">
            Refused, no BMC was asked: {run.error}
          </p>
        </DialogDescription>
      </DialogHeader>
    );
  const results = run.result!.results;
  return (
    <>
      <DialogHeader>
        <DialogTitle>{title}</DialogTitle>
        <DialogDescription role="status" data-testid="bulk-power-summary">
          {outcomeSummary(results)}
        </DialogDescription>
      </DialogHeader>
      <div className="max-h-[60vh] overflow-auto">
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Host</TableHead>
              <TableHead>Result</TableHead>
              <TableHead>State</TableHead>
              <TableHead>Message</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {results.map((r) => (
              <TableRow key={r.host} data-testid="bulk-power-row">
                <TableCell className="font-mono">
                  <Link className="underline" href={`/hosts/${encodeURIComponent(r.host)}`}>
                    {r.host}
                  </Link>
                </TableCell>
                <TableCell>
                  <Badge variant={r.ok ? "success" : "danger"}>{r.ok ? "ok" : "failed"}</Badge>
                </TableCell>
                <TableCell>{r.state ? stateLabel(r.state) : "—"}</TableCell>
                <TableCell className="whitespace-pre-wrap break-words text-xs">{r.message}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    </>
  );
}
