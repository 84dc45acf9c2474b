import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { rotateHostTokenAction } from "@/app/(console)/hosts/actions";

/**
 * The host's report token (operators and admins): what its /init sends with every boot report.
 * It travels in the host's PXE config; rotating it stops the old one at once and republishes.
 */
export function ReportToken({ host, token, generation }: { host: string; token: string; generation: number }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Report token</CardTitle>
        <CardDescription>
          Sent by the host with each boot report; it is in the host&apos;s published PXE config (generation {generation}). Rotate it if a config leaked: the old
          token stops working and the host&apos;s files are published again.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-wrap items-center gap-4">
        <details className="min-w-0 flex-1">
          <summary className="cursor-pointer text-sm text-slate-700">Show the token</summary>
          <code className="mt-2 block break-all rounded bg-slate-100 p-2 font-mono text-xs" data-testid="report-token">
            {token}
          </code>
        </details>
        <ConfirmDelete
          action={rotateHostTokenAction}
          what={`the report token of ${host}`}
          verb="Rotate"
          triggerLabel="Rotate token"
          hidden={{ current: host }}
          description={`${host} then needs its new PXE config: its files are published again right away. Until it boots with them, its reports are refused.`}
        />
      </CardContent>
    </Card>
  );
}
