import { beforeAll, describe, expect, it, vi } from "vitest";
import { CLIENT_HEADER } from "@/lib/api/client-address";
import { createUser } from "@/lib/data/users";
import { admin } from "@/lib/testing/actors";

// The sign-in action as a browser reaches it through the console server (which sets the client
// header from the socket and drops any a client sent), trying the attacks a review found: a
// forged X-Forwarded-For to escape the per-address limit, failed tries to lock the last admin
// out, and parallel tries to get more guesses evaluated than the limit.

const request = { headers: new Headers() };
vi.mock("next/headers", () => ({
  headers: async () => request.headers,
  cookies: async () => ({ get: () => undefined, set: () => {}, delete: () => {} }),
}));
class Redirect extends Error {}
vi.mock("next/navigation", () => ({
  redirect: (to: string) => {
    throw new Redirect(to);
  },
}));

const { signIn } = await import("./actions");

function from(address: string, forwardedFor?: string) {
  request.headers = new Headers({ [CLIENT_HEADER]: address, ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) });
}
async function tryPassword(username: string, password: string, next?: string): Promise<string> {
  const form = new FormData();
  form.set("username", username);
  form.set("password", password);
  if (next !== undefined) form.set("next", next);
  try {
    const r = await signIn({ ok: true }, form);
    return !r ? "no answer" : r.ok ? "ok" : r.error;
  } catch (e) {
    if (e instanceof Redirect) return next === undefined ? "signed in" : `signed in, to ${e.message}`;
    throw e;
  }
}

beforeAll(async () => {
  process.env.AFSBOOT_CONSOLE_SERVER = "1";
  await createUser(admin, { username: "root-admin", password: "the-right-password", role: "admin" });
});

// each case signs in from its own addresses: the counts of one never reach another
describe("sign-in throttling", () => {
  it("counts the address the console server saw, not X-Forwarded-For a client wrote", async () => {
    const answers: string[] = [];
    for (let i = 0; i < 32; i++) {
      from("198.51.100.66", `203.0.113.${i}`); // a new forged address every try
      answers.push(await tryPassword(`guess${i}`, "wrong"));
    }
    expect(answers.slice(0, 30).every((a) => a === "Wrong username or password")).toBe(true);
    expect(answers.slice(30)).toEqual([expect.stringMatching(/^Too many failed sign-ins from this address/), expect.stringMatching(/^Too many/)]);
  });

  it("failed tries for an account from one address never keep its owner out from another", async () => {
    from("198.51.100.67");
    for (let i = 0; i < 12; i++) await tryPassword("root-admin", "wrong");
    expect(await tryPassword("root-admin", "the-right-password")).toMatch(/^Too many/);
    from("192.0.2.10");
    expect(await tryPassword("root-admin", "the-right-password")).toBe("signed in");
  });

  it("parallel tries: no more than the limit are evaluated", async () => {
    from("198.51.100.68");
    const answers = await Promise.all(Array.from({ length: 40 }, () => tryPassword("root-admin", "wrong")));
    expect(answers.filter((a) => a === "Wrong username or password")).toHaveLength(10);
    expect(answers.filter((a) => a.startsWith("Too many"))).toHaveLength(30);
  });

  it("a right password clears the account's count at that address", async () => {
    from("198.51.100.69");
    for (let i = 0; i < 9; i++) await tryPassword("root-admin", "wrong");
    expect(await tryPassword("root-admin", "the-right-password")).toBe("signed in");
    for (let i = 0; i < 9; i++) expect(await tryPassword("root-admin", "wrong")).toBe("Wrong username or password");
  });
});

describe("after signing in", () => {
  it("goes only to a path of this console: never another site, never a header injection", async () => {
    from("192.0.2.20");
    const to = async (next: string) => tryPassword("root-admin", "the-right-password", next);
    expect(await to("/hosts?q=node&page=2#top")).toBe("signed in, to /hosts?q=node&page=2#top");
    for (const evil of [
      "/\\evil.example",
      "//evil.example",
      "/\\/evil.example",
      "https://evil.example/",
      "/hosts\r\nSet-Cookie: a=b",
      "/hosts\nx",
      "javascript:alert(1)",
      "hosts",
      "/%0d%0aX: y/../\\evil",
    ]) {
      expect(await to(evil), evil).toBe("signed in, to /");
    }
  });
});
