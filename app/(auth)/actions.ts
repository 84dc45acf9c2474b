"use server";

import { redirect } from "next/navigation";
import type { ActionState } from "@/lib/action-state";
import { clientMeta, endSession, startSession } from "@/lib/auth/session";
import { loginThrottle } from "@/lib/data/sign-in-throttle";
import { authenticate, createFirstAdmin } from "@/lib/data/users";
import { AppError } from "@/lib/errors";
import { formToObject, formValues } from "@/lib/forms";
import { fieldErrors } from "@/lib/validation/common";
import { firstAdminInput, loginInput } from "@/lib/validation/user";

/**
 * Where to go after signing in: a path of this console only. Browsers read "/\\host" and "//host"
 * as another site, and a CR or LF cannot go into a Location header: anything but a plain local
 * path goes to the dashboard.
 */
function safeNext(next: unknown): string {
  if (typeof next !== "string" || next.length > 2000 || !/^\/(?![/\\])[\x21-\x7e]*$/.test(next) || next.includes("\\")) return "/";
  const base = "http://console.invalid";
  const url = new URL(next, base);
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : "/";
}

export async function signIn(_prev: ActionState, form: FormData): Promise<ActionState> {
  const values = formValues(form);
  const parsed = loginInput.safeParse(formToObject(form));
  if (!parsed.success) return { ok: false, error: "Enter your username and password", fieldErrors: fieldErrors(parsed.error), values };
  const { ip } = await clientMeta();
  const attempt = await loginThrottle.begin(parsed.data.username, ip);
  if ("wait" in attempt) {
    return { ok: false, error: `Too many failed sign-ins from this address: try again in ${Math.ceil(attempt.wait / 60_000)} minute(s)`, values };
  }
  const user = await authenticate(parsed.data.username, parsed.data.password);
  await attempt.settle(user !== null);
  if (!user) {
    // one message for a wrong password and an unknown user: no hint which names exist
    return { ok: false, error: "Wrong username or password", values };
  }
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
