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
import type { ActionFailure, ActionState } from "@/lib/action-state";

export interface ActionOptions<S extends z.ZodTypeAny> {
  role: RoleName;
  schema: S;
}

/** An action behind a form (useActionState): the form's fields are the input. */
export function formAction<S extends z.ZodTypeAny, T = undefined>(
  opts: ActionOptions<S>,
  handler: (actor: Actor, input: z.output<S>) => Promise<{ message?: string; data?: T } | void>,
) {
  return async (_prev: ActionState<T>, form: FormData): Promise<ActionState<T>> => {
    const values = formValues(form);
    return run(opts, formToObject(form), values, async (actor, input) => ({ ok: true as const, ...((await handler(actor, input)) ?? {}) }));
  };
}

/**
 * An action called with structured input instead of a form (the CSV text read in the browser,
 * the range form as an object). The handler's result goes back as it is; a refusal or failure
 * as an ActionFailure.
 */
export function inputAction<S extends z.ZodTypeAny, R>(opts: ActionOptions<S>, handler: (actor: Actor, input: z.output<S>) => Promise<R>) {
  return async (input: unknown): Promise<R | ActionFailure> => run(opts, input, undefined, handler);
}

async function run<S extends z.ZodTypeAny, R>(
  opts: ActionOptions<S>,
  input: unknown,
  values: Record<string, string> | undefined,
  handler: (actor: Actor, input: z.output<S>) => Promise<R>,
): Promise<R | ActionFailure> {
  const actor = await actionActor(opts.role);
  if ("ok" in actor) return actor;
  const parsed = opts.schema.safeParse(input);
  if (!parsed.success) return refusal(parsed.error, values);
  try {
    return await handler(actor, parsed.data);
  } catch (e) {
    return actionError(e, values);
  }
}

/** The signed-in actor if their role allows `role`, else the refusal to return. */
async function actionActor(role: RoleName): Promise<Actor | ActionFailure> {
  const actor = await currentActor();
  if (!actor) return { ok: false, error: "Your session has ended: sign in again" };
  if (!hasRole(actor.role, role)) {
    log.warn("action refused", { actor: actor.name, role: actor.role, need: role });
    return { ok: false, error: `This needs the ${role} role; you are signed in as ${actor.role}` };
  }
  return actor;
}

/** Bad input: the fields to correct, or the message itself when the whole input is wrong (not a field). */
function refusal(error: z.ZodError, values?: Record<string, string>): ActionFailure {
  const whole = error.issues.find((i) => i.path.length === 0);
  if (whole) return { ok: false, error: whole.message, values };
  return { ok: false, error: "Please correct the highlighted fields", fieldErrors: fieldErrors(error), values };
}

/** Expected failures become a message; unexpected ones are logged and reported generically. */
function actionError(e: unknown, values?: Record<string, string>): ActionFailure {
  if (e instanceof AppError) return { ok: false, error: e.message, fieldErrors: e.fields, values };
  // redirect()/notFound() work by throwing: let them through
  if (e && typeof e === "object" && "digest" in e && typeof e.digest === "string" && /^NEXT_/.test(e.digest)) throw e;
  log.error("action failed", errorFields(e));
  return { ok: false, error: "Something went wrong on the server; the change was not saved. The log has details.", values };
}
