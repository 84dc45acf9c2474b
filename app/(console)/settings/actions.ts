"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction } from "@/lib/actions";
import { clientMeta, currentSessionSecret } from "@/lib/auth/session";
import { loginThrottle } from "@/lib/data/sign-in-throttle";
import { createApiToken, revokeApiToken } from "@/lib/data/api-tokens";
import { changeOwnPassword, createUser, deleteUser, resetPassword, setUserRole, WRONG_CURRENT_PASSWORD } from "@/lib/data/users";
import { AppError, invalid } from "@/lib/errors";
import { apiTokenInput } from "@/lib/validation/api-token";
import { roleSchema } from "@/lib/validation/common";
import { passwordChange, passwordResetForm, userInput } from "@/lib/validation/user";

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

/**
 * A wrong current password counts against the sign-in throttle (lib/auth/throttle.ts): the same
 * per-address and per-account-at-that-address limits, so a session left open cannot be used to
 * guess the password faster than the sign-in page allows.
 */
export const changePasswordAction = formAction({ role: "viewer", schema: passwordChange }, async (actor, input) => {
  const attempt = await loginThrottle.begin(actor.name, (await clientMeta()).ip);
  if ("wait" in attempt) {
    const message = `Too many wrong passwords from this address: try again in ${Math.ceil(attempt.wait / 60_000)} minute(s)`;
    throw invalid(message, { currentPassword: message });
  }
  try {
    const { sessionsEnded } = await changeOwnPassword(actor, input, await currentSessionSecret());
    await attempt.settle(true);
    const others = sessionsEnded === 0 ? "" : ` Your ${sessionsEnded} other session${sessionsEnded === 1 ? " was" : "s were"} signed out.`;
    return { message: `Password changed.${others}` };
  } catch (e) {
    // only a wrong current password stays counted
    await attempt.settle(!(e instanceof AppError && e.message === WRONG_CURRENT_PASSWORD));
    throw e;
  }
});

export const resetPasswordAction = formAction({ role: "admin", schema: passwordResetForm }, async (actor, { username, newPassword }) => {
  const { sessionsEnded } = await resetPassword(actor, username, newPassword);
  revalidatePath("/settings/users");
  return { message: `New password set for ${username}; ${sessionsEnded} session${sessionsEnded === 1 ? "" : "s"} signed out` };
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
