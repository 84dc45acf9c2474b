import type { Metadata } from "next";
import { formatDistanceToNow } from "date-fns";
import Link from "next/link";
import { ResetPasswordDialog } from "@/components/settings/password-forms";
import { AddUserForm, RoleForm } from "@/components/settings/user-forms";
import { SettingsTabs } from "@/components/settings/settings-tabs";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { requireActor } from "@/lib/auth/session";
import { listUsers } from "@/lib/data/users";
import { createUserAction, deleteUserAction, resetPasswordAction, setRoleAction } from "../actions";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const actor = await requireActor("admin");
  const users = await listUsers(actor);
  return (
    <div className="space-y-6">
      <PageHeader title="Users & settings" description="Admins manage everything; operators change the fleet and publish; viewers read." />
      <SettingsTabs active="/settings/users" />
      <Card>
        <CardHeader>
          <CardTitle>Add a user</CardTitle>
        </CardHeader>
        <CardContent>
          <AddUserForm action={createUserAction} />
        </CardContent>
      </Card>
      <Table>
        <TableHeader>
          <TableRow>
            <TableHead>User</TableHead>
            <TableHead>Role</TableHead>
            <TableHead>Last sign-in</TableHead>
            <TableHead className="text-right">Actions</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {users.map((u) => (
            <TableRow key={u.id}>
              <TableCell className="font-medium">
                {u.username}
                {u.id === actor.id && <span className="ml-2 text-xs text-slate-500">(you)</span>}
              </TableCell>
              <TableCell>
                <RoleForm action={setRoleAction} username={u.username} role={u.role} />
              </TableCell>
              <TableCell className="text-sm text-slate-600">{u.lastLoginAt ? `${formatDistanceToNow(u.lastLoginAt)} ago` : "never"}</TableCell>
              <TableCell className="text-right">
                {u.id !== actor.id ? (
                  <div className="flex justify-end gap-2">
                    <ResetPasswordDialog action={resetPasswordAction} username={u.username} />
                    <ConfirmDelete
                      action={deleteUserAction}
                      what={`user ${u.username}`}
                      hidden={{ username: u.username }}
                      description="The user is signed out everywhere and cannot sign in again. Their audit entries stay."
                    />
                  </div>
                ) : (
                  <Link className="text-sm font-medium text-blue-700 underline-offset-2 hover:underline focus-visible:underline" href="/settings/account">
                    Change your password
                  </Link>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
