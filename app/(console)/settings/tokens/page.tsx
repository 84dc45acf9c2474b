import type { Metadata } from "next";
import { formatDistanceToNow } from "date-fns";
import { KeyRound } from "lucide-react";
import { SettingsTabs } from "@/components/settings/settings-tabs";
import { CreateTokenForm } from "@/components/settings/token-form";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { requireActor } from "@/lib/auth/session";
import { listApiTokens } from "@/lib/data/api-tokens";
import { createTokenAction, revokeTokenAction } from "../actions";

export const metadata: Metadata = { title: "API tokens" };

const ago = (d: Date | null) => (d ? `${formatDistanceToNow(d)} ago` : "never");

export default async function TokensPage() {
  const actor = await requireActor("admin");
  const tokens = await listApiTokens(actor);
  return (
    <div className="space-y-6">
      <PageHeader title="Users & settings" description="API tokens let scripts use /api/v1 with a role of their own." />
      <SettingsTabs active="/settings/tokens" />
      <Card>
        <CardHeader>
          <CardTitle>Create an API token</CardTitle>
          <CardDescription>Also from the shell: npx afsboot token create NAME --role viewer</CardDescription>
        </CardHeader>
        <CardContent>
          <CreateTokenForm action={createTokenAction} />
        </CardContent>
      </Card>
      {tokens.length === 0 ? (
        <EmptyState icon={KeyRound} title="No API tokens">
          Create one above for each script or system that talks to the API, so each can be revoked on its own.
        </EmptyState>
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Role</TableHead>
              <TableHead>Token</TableHead>
              <TableHead>Created</TableHead>
              <TableHead>Last used</TableHead>
              <TableHead className="text-right">Status</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {tokens.map((t) => (
              <TableRow key={t.id}>
                <TableCell className="font-medium">{t.name}</TableCell>
                <TableCell>{t.role}</TableCell>
                <TableCell className="font-mono text-xs">{t.prefix}…</TableCell>
                <TableCell className="text-sm text-slate-600">
                  {ago(t.createdAt)}
                  {t.createdBy ? ` by ${t.createdBy.username}` : ""}
                </TableCell>
                <TableCell className="text-sm text-slate-600">{ago(t.lastUsedAt)}</TableCell>
                <TableCell className="text-right">
                  {t.revokedAt ? (
                    <Badge variant="secondary">revoked</Badge>
                  ) : (
                    <ConfirmDelete
                      action={revokeTokenAction}
                      what={`token ${t.name}`}
                      verb="Revoke"
                      hidden={{ id: t.id, name: t.name }}
                      description="Scripts using this token get 401 from now on. This cannot be undone."
                    />
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
