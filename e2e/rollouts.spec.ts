import fs from "node:fs";
import path from "node:path";
import { expect, request, test, type APIRequestContext, type Page } from "@playwright/test";
import { IMAGES, afsboot, field, goto, storageState, uid } from "./helpers";
import { createHostFleet, seedHosts, type HostFleet } from "./hosts-fleet";
import { fakePdu } from "./power/fake-pdu";
import { E2E_PORT } from "./run-env";

// Rollouts as people run them, with real parts: the version page's "Roll out this version…",
// its preview, the start, and the rollout page's live picture while the console's own ticker
// drives the rollout. Each host's BMC is a fake PDU (e2e/power/fake-pdu.sh) run by the command
// driver, whose log proves which hosts were power-cycled; the hosts' boots are reported through
// the real report API with their tokens. Nothing waits for time: every step waits for a state
// the page shows (the ticker runs every 2 s: the waits are generous, never fixed).

test.use({ storageState: storageState("operator") });
test.describe.configure({ mode: "serial" });

/** A wait for the ticker (every 2 s) to publish, cycle or judge: generous on a busy machine. */
const TICK = { timeout: 60_000 };

let fleet: HostFleet;
let api: APIRequestContext;

async function ok<T>(res: Awaited<ReturnType<APIRequestContext["get"]>>, status = 200): Promise<T> {
  expect(res.status(), await res.text()).toBe(status);
  return (await res.json()) as T;
}

test.beforeAll(async () => {
  fleet = await createHostFleet("roll");
  const token = afsboot(["token", "create", `rollouts-e2e-${uid()}`, "--role", "operator"]).trim();
  api = await request.newContext({ baseURL: `http://127.0.0.1:${E2E_PORT}`, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  // publishable: the versions' kernel and base initrd in the server's images root (its tree is in the hosts' cell)
  fs.mkdirSync(IMAGES, { recursive: true });
  for (const n of ["vmlinuz", "initrd.img"]) fs.writeFileSync(path.join(IMAGES, n), `${n}: made-up bytes for e2e\n`);
  const r = await ok<{ name: string; tree: string; notes: string; revision: number }>(await api.get(`/api/v1/releases/${fleet.release}`));
  await ok(
    await api.put(`/api/v1/releases/${fleet.release}`, { data: { name: r.name, tree: r.tree, imagesDir: IMAGES, notes: r.notes, revision: r.revision } }),
  );
});

test.afterAll(async () => {
  await api.dispose();
});

let octet = 10;
/** Two hosts on @1 behind a fake PDU of their own, under a tag of their own. */
function twoHosts() {
  const pdu = fakePdu();
  const tag = `ro-${uid()}`;
  const hosts = seedHosts(fleet, tag, 2, octet, { release: `${fleet.release}@1`, tags: tag, bmc: { driver: "command", command: pdu.name } }).map((h) => ({
    ...h,
    token: afsboot(["host", "token", h.name]).trim(),
  }));
  octet += 2;
  /** whether the PDU was asked to switch the host on or to power-cycle it (not a status read) */
  const cycled = (name: string) => pdu.actions().filter((a) => a === `${name} on` || a === `${name} cycle`).length;
  return { pdu, tag, hosts, cycled };
}
type Host = ReturnType<typeof twoHosts>["hosts"][number];

/** One boot of a host, its stages in order as its /init reports them, on `version` with the overlay it was given. */
async function reportBoot(page: Page, h: Host, version: string, outcome: "up" | "failed") {
  const { assignedInitrdSha256: sha } = await ok<{ assignedInitrdSha256: string | null }>(await api.get(`/api/v1/hosts/${h.name}`));
  expect(sha).toMatch(/^[0-9a-f]{64}$/);
  const bootId = `e2e-${uid()}`;
  const stages = outcome === "up" ? ["initrd", "network", "afs", "root", "switch", "up"] : ["initrd", "network", "failed"];
  for (const stage of stages) {
    const form: Record<string, string> = { mac: h.mac, bootId, stage, token: h.token, ip: h.ip, releaseVersion: version, initrdSha256: sha! };
    if (stage === "failed") Object.assign(form, { failedStage: "afs", message: "cannot mount the tree at afs" });
    const res = await page.request.post("/api/v1/boot-events", { form });
    expect([200, 202], await res.text()).toContain(res.status());
  }
}

const cell = (page: Page, host: string) => page.locator(`[data-testid="host-cell"][data-host="${host}"]`);
const state = (page: Page) => page.getByTestId("rollout-state");
const levers = (page: Page) => page.getByRole("group", { name: "Rollout actions" });

/** Starts a rollout of @2 to the tag through the API (canary 1, waves of 1); its id. */
async function startByApi(tag: string, over: Record<string, unknown> = {}) {
  const r = await ok<{ id: string }>(
    await api.post("/api/v1/rollouts", { data: { version: `${fleet.release}@2`, selector: { tags: [tag] }, canary: 1, wave: 1, ...over } }),
    201,
  );
  return r.id;
}

test("from the version page: preview 2 hosts in 2 waves, start, the canary cycled and judged by its reports, then wave 1, completed", async ({ page }) => {
  const { pdu, tag, hosts, cycled } = twoHosts();
  const [canary, second] = hosts as [Host, Host];

  await goto(page, `/releases/${fleet.release}/versions/2`);
  await page.getByRole("link", { name: "Roll out this version…" }).click();
  await expect(page).toHaveURL(new RegExp(`/rollouts/new\\?version=${fleet.release}%402$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Roll out ${fleet.release}@2`);
  await expect(page.getByRole("combobox", { name: "Version" })).toHaveValue(`${fleet.release}@2`);
  // the defaults are shown
  await expect(field(page, "Report deadline (s)")).toHaveValue("300");
  await expect(field(page, "Up deadline (s)")).toHaveValue("900");
  await expect(page.getByRole("button", { name: "Start" })).toBeDisabled();

  await field(page, "Tags").fill(tag);
  await field(page, "Wave size").fill("1");
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByTestId("rollout-preview-summary")).toHaveText(
    `${fleet.release}@2 to 2 hosts in 2 waves (canary: 1, wave 1: 1), each wave power-cycled through the hosts' BMCs.`,
  );
  await expect(page.getByTestId("preview-wave")).toHaveText([`Canary: 1 host${canary.name}`, `Wave 1: 1 host${second.name}`]);
  expect(pdu.actions()).toEqual([]); // a preview touches nothing

  await page.getByRole("button", { name: "Start: 2 hosts in 2 waves" }).click();
  await expect(page).toHaveURL(/\/rollouts\/[^/?]+$/, TICK);
  const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Rollout of ${fleet.release}@2`);
  await expect(page.getByTestId("rollout-settings")).toContainText(`tag ${tag}`);

  // the canary is published, cycled through its PDU, and waits for its boot; the second host is not touched
  await expect(cell(page, canary.name)).toHaveAttribute("data-state", "waiting", TICK);
  expect(cycled(canary.name)).toBe(1);
  expect(cycled(second.name)).toBe(0);
  await expect(cell(page, second.name)).toHaveAttribute("data-state", "pending");
  await expect(cell(page, canary.name)).toHaveAttribute("title", new RegExp(`^${canary.name}: waiting for its boot, cycled \\d{4}-`));
  await expect(page.getByTestId("rollout-decision")).toHaveText("The gate: Canary: 0 of 1 host up, 0 failed, 1 under way; the limit is 0", TICK);

  // the canary comes up on the version and overlay it was given: the next wave goes
  await reportBoot(page, canary, `${fleet.release}@2`, "up");
  await expect(cell(page, canary.name)).toHaveAttribute("data-state", "up", TICK);
  await expect(cell(page, second.name)).toHaveAttribute("data-state", "waiting", TICK);
  expect(cycled(second.name)).toBe(1);
  await expect(page.getByTestId("rollout-decision")).toContainText("Wave 1: 0 of 1 host up");

  await reportBoot(page, second, `${fleet.release}@2`, "up");
  await expect(state(page)).toHaveText("completed", TICK);
  await expect(page.getByTestId("rollout-decision")).toHaveText("The gate: Wave 1: 1 of 1 host up, 0 failed; the limit is 0: passed");
  await expect(page.getByTestId("rollout-sentence")).toHaveText(`Completed: every wave came up on ${fleet.release}@2.`);
  await expect(cell(page, second.name)).toHaveAttribute("data-state", "up");
  const row = page.getByTestId("rollout-host").filter({ hasText: second.name });
  await expect(row).toContainText(`Wave 1up`);
  await expect(row).toContainText(`${fleet.release}@2${fleet.release}@1`);
  await expect(levers(page)).toHaveCount(0); // over: nothing to pull
  expect([cycled(canary.name), cycled(second.name)]).toEqual([1, 1]);

  // the history lists it, linked
  await goto(page, "/rollouts?state=completed");
  const listed = page.locator(`[data-testid="rollout-row"][data-id="${id}"]`);
  await expect(listed).toContainText("completed");
  await expect(listed).toContainText("wave 2 of 2");
  await expect(listed).toContainText("2 up");
  await expect(listed).toContainText("e2e-operator");
  await goto(page, "/rollouts?state=running");
  await expect(page.locator(`[data-testid="rollout-row"][data-id="${id}"]`)).toHaveCount(0);

  // a host's page leads to the rollouts it took part in
  await goto(page, `/hosts/${second.name}`);
  await page.getByRole("main").getByRole("link", { name: "Rollouts", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/rollouts\\?host=${second.name}$`));
  await expect(page.getByTestId("rollout-row")).toHaveCount(1);
  await expect(page.locator(`[data-testid="rollout-row"][data-id="${id}"]`)).toBeVisible();
});

test("a canary that fails halts the rollout and rolls it back; the second host stays skipped and is never cycled", async ({ page }) => {
  const { tag, hosts, cycled } = twoHosts();
  const [canary, second] = hosts as [Host, Host];
  const id = await startByApi(tag, { rollback: true });
  await goto(page, `/rollouts/${id}`);
  await expect(cell(page, canary.name)).toHaveAttribute("data-state", "waiting", TICK);

  await reportBoot(page, canary, `${fleet.release}@2`, "failed");
  await expect(page.getByTestId("rollout-decision")).toHaveText(
    `The gate: Canary: 1 of 1 host failed (${canary.name}: failed at afs: cannot mount the tree at afs); the limit is 0: halted, rolling back`,
    TICK,
  );
  await expect(page.getByTestId("rollout-sentence")).toContainText("Halted, rolling back");
  await expect(cell(page, second.name)).toHaveAttribute("data-state", "skipped");

  // the canary goes back to @1: republished, cycled once more, and comes up on it
  await expect(cell(page, canary.name)).toHaveAttribute("data-state", "rollback_waiting", TICK);
  expect(cycled(canary.name)).toBe(2);
  await reportBoot(page, canary, `${fleet.release}@1`, "up");
  await expect(state(page)).toHaveText("rolled back", TICK);
  await expect(cell(page, canary.name)).toHaveAttribute("data-state", "rolled_back");
  await expect(page.getByTestId("rollout-decision")).toContainText("Rollback of the canary: 1 of 1 host back on their previous version");
  await expect(cell(page, second.name)).toHaveAttribute("data-state", "skipped");
  expect(cycled(second.name)).toBe(0);
});

test("pause and resume at once; abort asks first, saying how many hosts it skips; a viewer sees the picture, no buttons", async ({ page, browser }) => {
  const { tag, hosts, cycled } = twoHosts();
  const [canary, second] = hosts as [Host, Host];
  const id = await startByApi(tag);
  await goto(page, `/rollouts/${id}`);
  await expect(cell(page, canary.name)).toHaveAttribute("data-state", "waiting", TICK);

  const viewer = await browser.newContext({ storageState: storageState("viewer") });
  const vp = await viewer.newPage();
  await goto(vp, `/rollouts/${id}`);
  await expect(cell(vp, canary.name)).toHaveAttribute("data-state", "waiting");
  await expect(state(vp)).toHaveText("running");
  await expect(levers(vp)).toHaveCount(0);
  await expect(vp.getByRole("button", { name: /^(Pause|Resume|Abort|Roll back)$/ })).toHaveCount(0);
  await viewer.close();

  await levers(page).getByRole("button", { name: "Pause" }).click();
  await expect(state(page)).toHaveText("paused");
  await levers(page).getByRole("button", { name: "Resume" }).click();
  await expect(state(page)).toHaveText("running");

  // abort: cancelled first (nothing changes), then confirmed
  await levers(page).getByRole("button", { name: "Abort" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog.getByRole("heading")).toHaveText(`Abort the rollout of ${fleet.release}@2?`);
  await expect(dialog).toContainText("1 host not yet touched will be skipped and never touched");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(state(page)).toHaveText("running");
  await levers(page).getByRole("button", { name: "Abort" }).click();
  await dialog.getByRole("button", { name: "Abort", exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(state(page)).toHaveText("aborted");
  await expect(cell(page, second.name)).toHaveAttribute("data-state", "skipped");
  await expect(page.getByTestId("rollout-decision")).toHaveText("The gate: Aborted by e2e-operator");
  await expect(levers(page)).toHaveCount(0);
  expect(cycled(second.name)).toBe(0);
});

test("bad input (a wave of 0, no hosts chosen) is refused beside its fields, and nothing starts", async ({ page }) => {
  const before = (await ok<{ total: number }>(await api.get("/api/v1/rollouts"))).total;
  await goto(page, `/rollouts/new?version=${encodeURIComponent(`${fleet.release}@2`)}`);
  await field(page, "Wave size").fill("0");
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.locator('[id="wave-error"]')).toHaveText(/^The wave size must be a whole number of hosts \(at least 1\)/);
  await expect(field(page, "Wave size")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator('[id="selector-error"]')).toHaveText("Choose the hosts: by name, tag, network, release or the version they run");
  await expect(page.getByRole("button", { name: "Start" })).toBeDisabled();

  // a selector that matches nothing: the server's refusal, beside the selector
  await field(page, "Wave size").fill("1");
  await field(page, "Tags").fill(`none-${uid()}`);
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.locator('[id="selector-error"]')).toHaveText("The selector matches no host");
  await expect(page.locator('[id="wave-error"]')).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Start" })).toBeDisabled();
  expect((await ok<{ total: number }>(await api.get("/api/v1/rollouts"))).total).toBe(before);
});

test("a draft version offers no rollout; a viewer gets no button on an active one", async ({ page, browser }) => {
  const draft = `9${uid().slice(0, 4)}`;
  await ok(
    await api.post(`/api/v1/releases/${fleet.release}/versions`, {
      data: { version: draft, kernel: "vmlinuz", baseInitrd: "initrd.img", modules: "e1000", readonly: "bin lib sbin usr", writable: "etc var" },
    }),
    201,
  );
  await goto(page, `/releases/${fleet.release}/versions/${draft}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Version ${fleet.release}@${draft}`);
  await expect(page.getByRole("link", { name: "Roll out this version…" })).toHaveCount(0);
  await expect(page.getByTestId("version-rollouts")).toHaveText("Never rolled out.");
  const viewer = await browser.newContext({ storageState: storageState("viewer") });
  const vp = await viewer.newPage();
  await goto(vp, `/releases/${fleet.release}/versions/2`);
  await expect(vp.getByRole("heading", { level: 1 })).toHaveText(`Version ${fleet.release}@2`);
  await expect(vp.getByRole("link", { name: "Roll out this version…" })).toHaveCount(0);
  // how often it was rolled out (the first test completed one), leading to those rollouts only
  const ref = `${fleet.release}@2`;
  await expect(vp.getByTestId("version-rollouts")).toContainText(new RegExp(`^\\d+ rollouts? to ${ref}: .*\\b\\d+ completed\\b`));
  await vp.getByTestId("version-rollouts").getByRole("link", { name: "Show them" }).click();
  await expect(vp).toHaveURL(new RegExp(`/rollouts\\?version=${fleet.release}%402$`));
  await expect(vp.getByTestId("rollouts-of-version")).toContainText(`The rollouts to version ${ref}.`);
  await expect(vp.getByTestId("rollout-row").first()).toBeVisible();
  for (const row of await vp.getByTestId("rollout-row").all()) await expect(row).toContainText(ref);
  await viewer.close();
});
