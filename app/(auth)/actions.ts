"use server";

import { redirect } from "next/navigation";
import type { ActionState } from "@/lib/action-state";
import { clientMeta, endSession, startSession } from "@/lib/auth/session";
import { loginThrottle } from "@/lib/auth/throttle";
import { authenticate, createFirstAdmin } from "@/lib/data/users";
import { AppError } from "@/lib/errors";
import { formToObject, formValues } from "@/lib/forms";
import { fieldErrors } from "@/lib/validation/common";
import { firstAdminInput, loginInput } from "@/lib/validation/user";

function safeNext(next: unknown): string {
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export async function signIn(_prev: ActionState, form: FormData): Promise<ActionState> {
  const values = formValues(form);
  const parsed = loginInput.safeParse(formToObject(form));
  if (!parsed.success) return { ok: false, error: "Enter your username and password", fieldErrors: fieldErrors(parsed.error), values };
  const { ip } = await clientMeta();
  const keys = [`u:${parsed.data.username.toLowerCase()}`, `ip:${ip ?? "local"}`];
  const wait = Math.max(...keys.map((k) => loginThrottle.retryAfter(k)));
  if (wait > 0) {
    return { ok: false, error: `Too many failed sign-ins: try again in ${Math.ceil(wait / 60_000)} minute(s)`, values };
  }
  const user = await authenticate(parsed.data.username, parsed.data.password);
  if (!user) {
    keys.forEach((k) => loginThrottle.fail(k));
    // one message for a wrong password and an unknown user: no hint which names exist
    return { ok: false, error: "Wrong username or password", values };
  }
  keys.forEach((k) => loginThrottle.clear(k));
  await startSession(user.id);
  redirect(safeNext(form.get("next")));
}

export async function setUpFirstAdmin(_prev: ActionState, form: FormData): Promise<ActionState> {
  const values = formValues(form);
  const parsed = firstAdminInput.safeParse(formToObject(form));
  if (!parsed.success) return { ok: false, error: "Please correct the highlighted fields", fieldErrors: fieldErrors(parsed.error), values };
  try {
    const user = await createFirstAdmin(parsed.data);
    await startSession(user.id);
  } catch (e) {
    if (e instanceof AppError) return { ok: false, error: e.message, values };
    throw e;
  }
  redirect("/");
}

export async function signOut(): Promise<void> {
  await endSession();
  redirect("/login");
}
