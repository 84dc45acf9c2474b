// The result of a server action, as forms show it. Kept apart from lib/actions.ts (server-only)
// so client components can import the type.

/** A refused or failed action: `error` is a sentence for the whole attempt (nothing was saved). */
export type ActionFailure = { ok: false; error: string; fieldErrors?: Record<string, string>; values?: Record<string, string> };

export type ActionState<T = undefined> = { ok: true; message?: string; data?: T } | ActionFailure | null;
