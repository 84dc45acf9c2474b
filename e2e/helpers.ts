import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { E2E_DATABASE_URL, E2E_DIR, E2E_IMAGES, E2E_POWER_DIR } from "./run-env";

// Shared by the specs: where things live, who the test users are, small UI journeys.

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const TMP = path.join(ROOT, E2E_DIR);
/** The images directory publications may read (AFSBOOT_IMAGES_ROOTS of the e2e server). */
export const IMAGES = path.join(ROOT, E2E_IMAGES);
/** The e2e server's power directory (AFSBOOT_POWER_DIR): the command driver's executables. */
export const POWER_DIR = path.join(ROOT, E2E_POWER_DIR);
/** The database the webServer created (see playwright.config.ts); the CLI acts on it. */
export const DATABASE_URL = E2E_DATABASE_URL;

export type Role = "admin" | "operator" | "viewer";
export const USERS: Record<Role, { username: string; password: string }> = {
  admin: { username: "e2e-admin", password: "admin-password-e2e" },
  operator: { username: "e2e-operator", password: "operator-password-e2e" },
  viewer: { username: "e2e-viewer", password: "viewer-password-e2e" },
};
/** Signed-in browser state per role, written by setup.spec.ts. */
export const storageState = (role: Role) => path.join(TMP, `${role}.json`);

let counter = 0;
/** A short token unique to this test run and call, for names that must not collide. */
export function uid(): string {
  counter += 1;
  return `${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 5)}${counter}`;
}

/** Runs the afsboot CLI (bin/afsboot.mjs, what `npx afsboot` runs) against the e2e database. */
export function afsboot(args: string[], input?: string): string {
  return execFileSync(process.execPath, [path.join(ROOT, "bin/afsboot.mjs"), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL, AFSBOOT_DATA_DIR: `./${E2E_DIR}`, AFSBOOT_IMAGES_ROOTS: IMAGES },
    input: input ?? "",
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/**
 * Resolves once React has hydrated the page loaded last (app/providers.tsx marks <html>). Until
 * then the server's HTML shows every control, and Playwright finds them visible, enabled and
 * stable, but a click, a picked option or a typed value reaches no handler: a menu does not open,
 * a network's next free address is not looked up. On a busy machine that gap is long.
 */
export async function hydrated(page: Page) {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

/** page.goto, then waits for hydration: use it for every page load in the specs. */
export async function goto(page: Page, url: string) {
  const res = await page.goto(url);
  await hydrated(page);
  return res;
}

/** page.reload, then waits for hydration of the fresh page. */
export async function reload(page: Page) {
  const res = await page.reload();
  await hydrated(page);
  return res;
}

export async function signIn(page: Page, username: string, password: string) {
  await goto(page, "/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export interface NetworkData {
  name: string;
  subnet: string;
  gateway: string;
  dns: string;
  domain?: string;
  bootServer: string;
  reportUrl: string;
  notes?: string;
}

/** Valid, unique network data (its own /24 in 10.x.y.0). */
export function networkData(prefix = "net"): NetworkData {
  const x = 1 + Math.floor(Math.random() * 250);
  const y = 1 + Math.floor(Math.random() * 250);
  return {
    name: `${prefix}-${uid()}`,
    subnet: `10.${x}.${y}.0/24`,
    gateway: `10.${x}.${y}.1`,
    dns: `10.${x}.${y}.2, 10.${x}.${y}.3`,
    domain: "lab.example.org",
    bootServer: `10.${x}.${y}.4`,
    reportUrl: `http://10.${x}.${y}.4:3000`,
    notes: "created by e2e",
  };
}

/**
 * A text field by its accessible name. (getByLabel(…, { exact: true }) would not match a required
 * field: its <label> also holds an aria-hidden "*", which the accessible name leaves out.)
 */
export function field(page: Page, label: string) {
  return page.getByRole("textbox", { name: label, exact: true });
}

export async function fillNetworkForm(page: Page, n: Partial<NetworkData>) {
  const fields: [keyof NetworkData, string][] = [
    ["name", "Name"],
    ["subnet", "Subnet"],
    ["gateway", "Gateway"],
    ["dns", "DNS servers"],
    ["domain", "Domain"],
    ["bootServer", "Server 1 address"],
    ["reportUrl", "Report URL"],
    ["notes", "Notes"],
  ];
  for (const [key, label] of fields) {
    const value = n[key];
    if (value !== undefined) await field(page, label).fill(value);
  }
}

/** Creates a network through the UI (as the signed-in operator/admin) and lands on its page. */
export async function createNetworkViaUi(page: Page, n: NetworkData) {
  await goto(page, "/networks/new");
  await fillNetworkForm(page, n);
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page).toHaveURL(new RegExp(`/networks/${n.name}(\\?|$)`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Network ${n.name}`);
}

/** HTTP status of GET /api/v1/<kind>/<name> with the context's session (200 exists, 404 not). */
export async function apiStatus(request: APIRequestContext, kind: "networks" | "cells", name: string): Promise<number> {
  const res = await request.get(`/api/v1/${kind}/${encodeURIComponent(name)}`);
  return res.status();
}

/** Names in GET /api/v1/<kind>?q=… */
export async function apiNames(request: APIRequestContext, kind: "networks" | "cells", q: string): Promise<string[]> {
  const res = await request.get(`/api/v1/${kind}?q=${encodeURIComponent(q)}`);
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { items: { name: string }[] };
  return body.items.map((i) => i.name);
}

// --- forged server-action calls (a role check must hold whatever the page showed) -------------

export interface CapturedAction {
  url: string;
  actionId: string;
  contentType: string;
  body: Buffer;
}

/**
 * Lets `trigger` submit a form in `page` and captures the server-action POST the browser makes
 * (Next-Action header + React's multipart encoding of the arguments), aborting it so the server
 * never sees it.
 */
export async function captureActionCall(page: Page, urlGlob: string, trigger: () => Promise<void>): Promise<CapturedAction> {
  let resolve!: (c: CapturedAction) => void;
  const captured = new Promise<CapturedAction>((r) => (resolve = r));
  await page.route(urlGlob, async (route) => {
    const req = route.request();
    const headers = await req.allHeaders();
    if (req.method() !== "POST" || !headers["next-action"]) return route.continue();
    resolve({ url: new URL(req.url()).pathname, actionId: headers["next-action"], contentType: headers["content-type"]!, body: req.postDataBuffer()! });
    await route.abort();
  });
  await trigger();
  return captured;
}

/** Replays a captured server-action call with the cookies of `page`'s context. */
export async function replayAction(page: Page, call: CapturedAction, baseURL: string) {
  const res = await page.request.post(call.url, {
    headers: { "next-action": call.actionId, "content-type": call.contentType, accept: "text/x-component", origin: baseURL },
    data: call.body,
    maxRedirects: 0,
  });
  return { status: res.status(), headers: res.headers(), text: await res.text() };
}
