// The result of a server action, as forms show it. Kept apart from lib/actions.ts (server-only)
// so client components can import the type.
export type ActionState<T = undefined> =
  | { ok: true; message?: string; data?: T }
  | { ok: false; error: string; fieldErrors?: Record<string, string>; values?: Record<string, string> }
  | null;
