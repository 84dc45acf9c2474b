import "server-only";
import { z } from "zod";
import { currentActor } from "@/lib/auth/session";
import { hasRole, type Actor } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { fieldErrors, type RoleName } from "@/lib/validation/common";
import { formToObject, formValues } from "@/lib/forms";
import { errorFields, log } from "@/lib/log";

// The one wrapper for server actions: session → role → zod → handler → typed result.
// A server action is a public POST endpoint: the role is checked here on every call, whatever the
// page showed, so a forged call by a viewer is refused.

export type { ActionState } from "@/lib/action-state";
import type { ActionState } from "@/lib/action-state";

export interface ActionOptions<S extends z.ZodTypeAny> {
  role: RoleName;
  schema: S;
}

export function formAction<S extends z.ZodTypeAny, T = undefined>(
  opts: ActionOptions<S>,
  handler: (actor: Actor, input: z.output<S>) => Promise<{ message?: string; data?: T } | void>,
) {
  return async (_prev: ActionState<T>, form: FormData): Promise<ActionState<T>> => {
    const values = formValues(form);
    const actor = await actionActor(opts.role);
    if ("ok" in actor) return actor;
    const parsed = opts.schema.safeParse(formToObject(form));
    if (!parsed.success) {
      return { ok: false, error: "Please correct the highlighted fields", fieldErrors: fieldErrors(parsed.error), values };
    }
    try {
      const result = await handler(actor, parsed.data);
      return { ok: true, ...(result ?? {}) };
    } catch (e) {
      return actionError(e, values);
    }
  };
}

/**
 * The signed-in actor if their role allows `role`, else the refusal to return. formAction uses it;
 * so do actions that take structured input instead of a form (bulk CSV, ranges).
 */
export async function actionActor(role: RoleName): Promise<Actor | { ok: false; error: string }> {
  const actor = await currentActor();
  if (!actor) return { ok: false, error: "Your session has ended: sign in again" };
  if (!hasRole(actor.role, role)) {
    log.warn("action refused", { actor: actor.name, role: actor.role, need: role });
    return { ok: false, error: `This needs the ${role} role; you are signed in as ${actor.role}` };
  }
  return actor;
}

/** An unexpected or expected failure as the message a person sees ("nothing was saved"). */
export function actionFailure(e: unknown): { ok: false; error: string } {
  const state = actionError(e);
  return { ok: false, error: state && !state.ok ? state.error : "Something went wrong on the server; nothing was saved." };
}

/** Expected failures become a message; unexpected ones are logged and reported generically. */
export function actionError(e: unknown, values?: Record<string, string>): ActionState<never> {
  if (e instanceof AppError) return { ok: false, error: e.message, fieldErrors: e.fields, values };
  // redirect()/notFound() work by throwing: let them through
  if (e && typeof e === "object" && "digest" in e && typeof e.digest === "string" && /^NEXT_/.test(e.digest)) throw e;
  log.error("action failed", errorFields(e));
  return { ok: false, error: "Something went wrong on the server; the change was not saved. The log has details.", values };
}
