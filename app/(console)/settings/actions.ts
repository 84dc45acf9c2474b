"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction } from "@/lib/actions";
import { createApiToken, revokeApiToken } from "@/lib/data/api-tokens";
import { createUser, deleteUser, setUserRole } from "@/lib/data/users";
import { apiTokenInput } from "@/lib/validation/api-token";
import { roleSchema } from "@/lib/validation/common";
import { userInput } from "@/lib/validation/user";

export const createUserAction = formAction({ role: "admin", schema: userInput }, async (actor, input) => {
  const user = await createUser(actor, input);
  revalidatePath("/settings/users");
  return { message: `Created user ${user!.username} (${user!.role})` };
});

export const setRoleAction = formAction(
  { role: "admin", schema: z.object({ username: z.string().min(1), role: roleSchema }) },
  async (actor, { username, role }) => {
    await setUserRole(actor, username, role);
    revalidatePath("/settings/users");
    return { message: `${username} is now ${role}` };
  },
);

export const deleteUserAction = formAction({ role: "admin", schema: z.object({ username: z.string().min(1) }) }, async (actor, { username }) => {
  await deleteUser(actor, username);
  revalidatePath("/settings/users");
  return { message: `Deleted user ${username}` };
});

export const createTokenAction = formAction<typeof apiTokenInput, { token: string; name: string }>(
  { role: "admin", schema: apiTokenInput },
  async (actor, input) => {
    const created = await createApiToken(actor, input);
    revalidatePath("/settings/tokens");
    return { message: `Created token ${created!.row.name}`, data: { token: created!.token, name: created!.row.name } };
  },
);

export const revokeTokenAction = formAction({ role: "admin", schema: z.object({ id: z.string().min(1), name: z.string() }) }, async (actor, { id, name }) => {
  await revokeApiToken(actor, id);
  revalidatePath("/settings/tokens");
  return { message: `Revoked token ${name}` };
});
