import { beforeAll, describe, expect, it, vi } from "vitest";
import { CLIENT_HEADER } from "@/lib/api/client-address";
import type { ActionState } from "@/lib/action-state";
import { actorFromSession, createSession } from "@/lib/data/sessions";
import { createUser } from "@/lib/data/users";
import { db } from "@/lib/db";
import { admin } from "@/lib/testing/actors";

// The password actions as a browser reaches them: the session cookie says who acts (and which
// session stays), the console server's header says from where. Role checks hold whatever the
// page showed, and a wrong current password counts against the sign-in throttle.

const request = { headers: new Headers(), cookie: undefined as string | undefined };
vi.mock("next/headers", () => ({
  headers: async () => request.headers,
  cookies: async () => ({ get: () => (request.cookie ? { value: request.cookie } : undefined), set: () => {}, delete: () => {} }),
}));
class Redirect extends Error {}
vi.mock("next/navigation", () => ({
  redirect: (to: string) => {
    throw new Redirect(to);
  },
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const { changePasswordAction, resetPasswordAction } = await import("./actions");
const { signIn } = await import("../../(auth)/actions");

const sessions: Record<string, string> = {};
async function as(username: string, address: string) {
  request.headers = new Headers({ [CLIENT_HEADER]: address });
  request.cookie = sessions[username];
}
function form(fields: Record<string, string>) {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
}
const change = (currentPassword: string, newPassword = "a-brand-new-password", confirm = newPassword) =>
  changePasswordAction(null, form({ currentPassword, newPassword, confirm }));
const errorOf = (s: ActionState) => (s && !s.ok ? { error: s.error, fields: s.fieldErrors ?? {} } : null);

beforeAll(async () => {
  process.env.AFSBOOT_CONSOLE_SERVER = "1";
  for (const [username, role] of [
    ["ann", "viewer"],
    ["boss", "admin"],
    ["guessed", "viewer"],
  ] as const) {
    const u = await createUser(admin, { username, password: `${username}-password-1`, role });
    sessions[username] = (await createSession(u!.id, {})).secret;
  }
});

describe("changing one's own password (action)", () => {
  it("refuses a mismatched repeat and a short password next to the field, changing nothing", async () => {
    await as("ann", "192.0.2.1");
    const hash = (await db.user.findUniqueOrThrow({ where: { username: "ann" } })).passwordHash;
    expect(errorOf(await change("ann-password-1", "a-brand-new-password", "a-brand-new-passwort"))?.fields).toEqual({ confirm: "Passwords do not match" });
    expect(errorOf(await change("ann-password-1", "short"))?.fields).toMatchObject({ newPassword: "Password must be at least 10 characters" });
    expect(errorOf(await change(""))?.fields).toMatchObject({ currentPassword: "Enter your current password" });
    expect((await db.user.findUniqueOrThrow({ where: { username: "ann" } })).passwordHash).toBe(hash);
  });

  it("without a session: refused", async () => {
    request.cookie = undefined;
    expect(errorOf(await change("ann-password-1"))?.error).toBe("Your session has ended: sign in again");
  });

  it("a wrong current password counts against the sign-in throttle of that account at that address", async () => {
    await as("guessed", "198.51.100.7");
    for (let i = 0; i < 10; i++) expect(errorOf(await change(`guess-${i}`))?.fields.currentPassword).toMatch(/^Wrong password/);
    // the eleventh try is not evaluated, even with the right password
    expect(errorOf(await change("guessed-password-1"))?.fields.currentPassword).toMatch(/^Too many wrong passwords from this address/);
    // and signing in as that user from that address is held back too: one count for both
    let signInAnswer: ActionState | string = null;
    try {
      signInAnswer = await signIn(null, form({ username: "guessed", password: "guessed-password-1" }));
    } catch (e) {
      signInAnswer = e instanceof Redirect ? "signed in" : String(e);
    }
    expect(errorOf(signInAnswer as ActionState)?.error).toMatch(/^Too many failed sign-ins/);
    // from elsewhere the owner changes it
    await as("guessed", "198.51.100.8");
    expect(await change("guessed-password-1")).toMatchObject({ ok: true, message: "Password changed." });
  });

  it("a right one changes it: this session stays, the others end", async () => {
    const ann = await db.user.findUniqueOrThrow({ where: { username: "ann" } });
    const elsewhere = await createSession(ann.id, {});
    await as("ann", "192.0.2.1");
    expect(await change("ann-password-1")).toEqual({ ok: true, message: "Password changed. Your 1 other session was signed out." });
    expect(await actorFromSession(sessions.ann!)).toMatchObject({ name: "ann" });
    expect(await actorFromSession(elsewhere.secret)).toBeNull();
    expect(errorOf(await change("ann-password-1", "yet-another-password"))?.fields.currentPassword).toMatch(/^Wrong password/);
  });
});

describe("resetting a password (action)", () => {
  it("a viewer's forged call is refused and changes nothing", async () => {
    await as("ann", "192.0.2.1");
    const hash = (await db.user.findUniqueOrThrow({ where: { username: "boss" } })).passwordHash;
    const r = await resetPasswordAction(null, form({ username: "boss", newPassword: "taken-over-now", confirm: "taken-over-now" }));
    expect(errorOf(r)?.error).toBe("This needs the admin role; you are signed in as viewer");
    expect((await db.user.findUniqueOrThrow({ where: { username: "boss" } })).passwordHash).toBe(hash);
  });

  it("an admin sets it and the user is signed out everywhere; an unknown user is named", async () => {
    await as("boss", "192.0.2.2");
    expect(errorOf(await resetPasswordAction(null, form({ username: "nobody", newPassword: "set-by-the-boss", confirm: "set-by-the-boss" })))?.error).toBe(
      "User nobody does not exist",
    );
    expect(errorOf(await resetPasswordAction(null, form({ username: "ann", newPassword: "set-by-the-boss", confirm: "set-by-the-bosss" })))?.fields).toEqual({
      confirm: "Passwords do not match",
    });
    expect(await resetPasswordAction(null, form({ username: "ann", newPassword: "set-by-the-boss", confirm: "set-by-the-boss" }))).toEqual({
      ok: true,
      message: "New password set for ann; 1 session signed out",
    });
    await as("ann", "192.0.2.1");
    expect(errorOf(await change("set-by-the-boss"))?.error).toBe("Your session has ended: sign in again");
  });
});
