import AxeBuilder from "@axe-core/playwright";
import { expect, request, test, type APIRequestContext, type Page, type Response } from "@playwright/test";
import { afsboot, networkData, storageState, uid, goto, reload } from "./helpers";

// Boot reporting as people see it: hosts report their stages to /api/v1/boot-events with their
// report tokens, the dashboard counts them (and polls: a failure shows up without a reload), and
// the host page draws each boot's stages as a timeline, a failure in red with its message.

test.use({ storageState: storageState("operator") });
test.describe.configure({ mode: "serial" });

const hex = () =>
  Math.floor(Math.random() * 256)
    .toString(16)
    .padStart(2, "0");
const randomMac = () => ["02", hex(), hex(), hex(), hex(), hex()].join(":");
const sha = (c: string) => c.repeat(64);

interface Reporter {
  name: string;
  mac: string;
  ip: string;
  token: string;
}

let api: APIRequestContext;
const fleet = { release: "", cell: "", base: "", up: {} as Reporter, failing: {} as Reporter, silent: "" };
const FAILURE = `afs: cannot reach the database servers of the cell (timeout ${uid()})`;

async function ok(res: Awaited<ReturnType<APIRequestContext["get"]>>, status = 200) {
  expect(res.status(), await res.text()).toBe(status);
  return res;
}

/** Sends the stages of one boot, in order, as /init does (form fields, the host's token). */
async function reportBoot(req: APIRequestContext, h: Reporter, stages: string[], extra: Record<string, string> = {}) {
  const bootId = `e2e-${uid()}-${uid()}`;
  for (const stage of stages) {
    const form: Record<string, string> = {
      mac: h.mac,
      bootId,
      stage,
      token: h.token,
      releaseVersion: `${fleet.release}@1`,
      initrdSha256: sha("a"),
      ip: h.ip,
      at: new Date().toISOString(),
    };
    if (stage === "failed") Object.assign(form, extra);
    const res = await req.post("/api/v1/boot-events", { form });
    expect([200, 202], await res.text()).toContain(res.status());
  }
  return bootId;
}

interface Status {
  counts: Record<"up" | "failed", number>;
}

const count = (n: number) => n.toLocaleString("en-US");
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test.beforeAll(async () => {
  const token = afsboot(["token", "create", `boots-e2e-${uid()}`, "--role", "operator"]).trim();
  api = await request.newContext({ baseURL: `http://127.0.0.1:${process.env.E2E_PORT ?? 3210}`, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const n = networkData("boots");
  await ok(await api.post("/api/v1/networks", { data: { ...n, dns: n.dns.split(/[\s,]+/) } }), 201);
  const base = n.subnet.replace(/\.0\/24$/, "");
  const cell = `boots-${uid()}.example.org`;
  Object.assign(fleet, { cell, base });
  await ok(
    await api.post("/api/v1/cells", {
      data: {
        name: cell,
        client: "kafs",
        bootRoot: `/afs/${cell}/boot`,
        cacheMemcache: true,
        cacheBlocks: 65536,
        servers: [{ name: `db.${cell}`, ip: "192.0.2.51" }],
      },
    }),
    201,
  );
  fleet.release = `boots-${uid()}`;
  await ok(await api.post("/api/v1/releases", { data: { name: fleet.release, tree: `/afs/${cell}/boot/${fleet.release}`, notes: "boots e2e" } }), 201);
  await ok(
    await api.post(`/api/v1/releases/${fleet.release}/versions?activate=true`, {
      data: { version: "1", kernel: "vmlinuz-boots", baseInitrd: "initrd-boots.img", modules: "e1000", readonly: "bin lib sbin usr", writable: "etc var" },
    }),
    201,
  );
  const enroll = async (name: string, octet: number): Promise<Reporter> => {
    const h = { name, mac: randomMac(), ip: `${base}.${octet}` };
    await ok(await api.post("/api/v1/hosts", { data: { ...h, cell, release: fleet.release } }), 201);
    return { ...h, token: afsboot(["host", "token", name]).trim() };
  };
  fleet.up = await enroll(`boot-up-${uid()}`, 10);
  fleet.failing = await enroll(`boot-fail-${uid()}`, 11);
  fleet.silent = (await enroll(`boot-none-${uid()}`, 12)).name;
});

test.afterAll(async () => {
  await api?.dispose();
});

const fleetCount = (page: Page, state: string) => page.getByTestId(`fleet-count-${state}`);

/**
 * The dashboard's next poll of /api/v1/fleet/status (every 5 s while the tab is visible) that
 * `ok` accepts; call it before the event it waits for. No time limit of its own: the wait is for
 * the poll itself, however long a busy machine takes, within the test's timeout.
 */
function fleetPoll(page: Page, ok: (res: Response) => boolean | Promise<boolean>) {
  return page.waitForResponse((res) => new URL(res.url()).pathname === "/api/v1/fleet/status" && ok(res), { timeout: 0 });
}
const answered = (want: (s: Status) => boolean) => async (res: Response) => res.ok() && want((await res.json()) as Status);

test("the dashboard counts a host that came up, and shows a new failure without a reload", async ({ page }) => {
  const before = (await (await ok(await api.get("/api/v1/fleet/status"))).json()) as Status;
  await reportBoot(page.request, fleet.up, ["initrd", "network", "afs", "root", "switch", "up"]);

  // the server's first numbers may be up to 2 s old (shared cache): a poll catches up
  const upCounted = fleetPoll(
    page,
    answered((s) => s.counts.up === before.counts.up + 1),
  );
  await goto(page, "/");
  await expect(page.getByRole("heading", { level: 2, name: "Fleet" })).toBeVisible();
  await expect(page.getByTestId("fleet-updated")).toContainText(/updated \d+s ago/);
  await upCounted;
  await expect(fleetCount(page, "up")).toHaveText(count(before.counts.up + 1));
  await expect(page.getByRole("link", { name: /^Up\b/ })).toHaveAttribute("href", "/hosts?state=up");
  await expect(page.getByRole("link", { name: /^Failed\b/ })).toHaveAttribute("href", "/hosts?state=failed");
  await expect(page.getByRole("img", { name: /^Hosts by boot state: / })).toBeVisible();
  const histogram = page.locator(`[data-testid="duration-histogram"][data-release="${fleet.release}@1"]`);
  await expect(histogram).toContainText("1 boot");
  await expect(histogram).toContainText("≤15s");
  await expect(histogram).toContainText(">600s");

  // a marker on the window survives only if the page is not reloaded
  await page.evaluate(() => document.body.setAttribute("data-e2e-marker", "kept"));
  const failedCounted = fleetPoll(
    page,
    answered((s) => s.counts.failed === before.counts.failed + 1),
  );
  await reportBoot(page.request, fleet.failing, ["initrd", "network", "failed"], { failedStage: "afs", message: FAILURE });
  await failedCounted;
  await expect(fleetCount(page, "failed")).toHaveText(count(before.counts.failed + 1));
  const failures = page.getByTestId("recent-failures");
  const row = failures.getByRole("row").filter({ has: page.getByRole("link", { name: fleet.failing.name, exact: true }) });
  await expect(row).toContainText("afs");
  await expect(row.getByRole("cell", { name: FAILURE })).toHaveAttribute("title", FAILURE);
  await expect(row.getByRole("link")).toHaveAttribute("href", `/hosts/${fleet.failing.name}`);
  await expect(page.locator("body")).toHaveAttribute("data-e2e-marker", "kept");

  // a failing poll keeps the numbers and says so, until polling works again (a poll is retried
  // once, 1 s later, before it counts as failed: wait for both answers)
  let refusedPolls = 0;
  let pollFailed!: () => void;
  const failed = new Promise<void>((resolve) => (pollFailed = resolve));
  await page.route("**/api/v1/fleet/status", async (route) => {
    await route.fulfill({ status: 503, json: { error: { code: "unavailable", message: "console restarting" } } });
    if (++refusedPolls === 2) pollFailed();
  });
  await failed;
  await expect(page.getByTestId("fleet-error")).toContainText("console restarting");
  await expect(fleetCount(page, "failed")).toHaveText(count(before.counts.failed + 1));
  const recovered = fleetPoll(page, (res) => res.ok());
  await page.unroute("**/api/v1/fleet/status");
  await recovered;
  await expect(page.getByTestId("fleet-error")).toHaveCount(0);
});

test("the host page draws a boot that came up: one bar per stage, release and overlay, raw events", async ({ page }) => {
  await goto(page, `/hosts/${fleet.up.name}`);
  const history = page.locator("#boot-history");
  await expect(history.getByRole("heading", { name: "Boot history" })).toBeVisible();
  const rows = history.getByTestId("boot-row");
  await expect(rows).toHaveCount(1);
  const boot = rows.first();
  await expect(boot.getByTestId("boot-outcome")).toHaveText("up");
  await expect(boot).toContainText(`${fleet.release}@1`);
  await expect(boot.getByTestId("boot-overlay")).toHaveText(sha("a").slice(0, 12));
  await expect(boot.getByTestId("boot-overlay")).toHaveAttribute("title", `sha256 ${sha("a")}`);
  const bars = boot.getByTestId("stage-bar");
  await expect(bars).toHaveCount(6);
  await expect(bars.first()).toHaveAttribute("data-stage", "initrd");
  await expect(bars.last()).toHaveAttribute("data-stage", "up");
  await expect(boot.locator("[data-failed]")).toHaveCount(0);

  await boot.getByText("Raw events (6)").click();
  await expect(boot.getByRole("table").getByRole("row")).toHaveCount(7); // header + 6 events

  // the outcome filter lives in the URL
  await history.getByRole("link", { name: "Failed", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/hosts/${fleet.up.name}\\?boots=failed`));
  await expect(history.getByRole("link", { name: "Failed", exact: true })).toHaveAttribute("aria-current", "page");
  await expect(history.getByText("No failed boots.")).toBeVisible();
  await expect(history.getByTestId("boot-row")).toHaveCount(0);
});

test("the host page shows a failed boot's failed stage in red, with its message as text", async ({ page }) => {
  await goto(page, `/hosts/${fleet.failing.name}?boots=failed`);
  const boot = page.locator("#boot-history").getByTestId("boot-row");
  await expect(boot).toHaveCount(1);
  await expect(boot.getByTestId("boot-outcome")).toHaveText("failed");
  const bars = boot.getByTestId("stage-bar");
  await expect(bars).toHaveCount(3);
  const failed = bars.last();
  await expect(failed).toHaveAttribute("data-stage", "afs");
  await expect(failed).toHaveAttribute("data-failed", "true");
  await expect(failed).toHaveClass(/bg-red-600/);
  await expect(failed).toHaveAttribute("title", new RegExp(`^afs failed after .+: ${escape(FAILURE)}$`));
  await expect(boot.getByTestId("boot-failure")).toHaveText(`Failed at stage afs: ${FAILURE}`);
});

test("a host that never reported shows how boots arrive", async ({ page }) => {
  await goto(page, `/hosts/${fleet.silent}`);
  await expect(page.getByText("No boots reported yet. Hosts report once they boot with a published config (see Publications).")).toBeVisible();
});

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}

test("the dashboard and a host's boot history have no serious accessibility violations", async ({ page }) => {
  await goto(page, "/");
  await expect(page.getByTestId("recent-failures")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  await goto(page, `/hosts/${fleet.failing.name}`);
  const boot = page.locator("#boot-history").getByTestId("boot-row");
  await boot.getByText(/^Raw events/).click();
  await expect(boot.getByRole("table")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  // the empty history, with its link to Publications
  await goto(page, `/hosts/${fleet.silent}`);
  await expect(page.getByText(/^No boots reported yet/)).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test("an operator sees and rotates a host's report token: the old one is refused from then on", async ({ page }) => {
  const h = fleet.silent;
  const old = afsboot(["host", "token", h]).trim();
  await goto(page, `/hosts/${h}`);
  await page.getByText("Show the token").click();
  await expect(page.getByTestId("report-token")).toHaveText(old);
  await page.getByRole("button", { name: "Rotate token" }).click();
  await expect(page.getByRole("alertdialog")).toContainText(`Rotate the report token of ${h}?`);
  await page.getByRole("alertdialog").getByRole("button", { name: "Rotate" }).click();
  await expect(page.getByText(/New report token \(generation 2\)/)).toBeVisible();
  const fresh = afsboot(["host", "token", h]).trim();
  expect(fresh).not.toBe(old);
  await reload(page);
  await page.getByText("Show the token").click();
  await expect(page.getByTestId("report-token")).toHaveText(fresh);
  const mac = (await (await api.get(`/api/v1/hosts/${h}`)).json()).mac as string;
  const refused = await page.request.post("/api/v1/boot-events", { form: { mac, bootId: `e2e-${uid()}-rot`, stage: "initrd", token: old } });
  expect(refused.status()).toBe(401);
  const accepted = await page.request.post("/api/v1/boot-events", { form: { mac, bootId: `e2e-${uid()}-rot`, stage: "initrd", token: fresh } });
  expect(accepted.status()).toBe(202);
});

test("a host that booted another tree than it is now assigned shows that tree's version", async ({ page }) => {
  // assigned a tree whose active version is 7; its last boot was the old tree's version 1
  const other = `boots-moved-${uid()}`;
  await ok(await api.post("/api/v1/releases", { data: { name: other, tree: `/afs/${fleet.cell}/boot/${other}`, notes: "" } }), 201);
  await ok(
    await api.post(`/api/v1/releases/${other}/versions?activate=true`, {
      data: { version: "7", kernel: "vmlinuz-moved", baseInitrd: "initrd-moved.img", modules: "e1000", readonly: "usr", writable: "etc" },
    }),
    201,
  );
  const h = { name: `boot-moved-${uid()}`, mac: randomMac(), ip: `${fleet.base}.13` };
  await ok(await api.post("/api/v1/hosts", { data: { ...h, cell: fleet.cell, release: other } }), 201);
  await reportBoot(page.request, { ...h, token: afsboot(["host", "token", h.name]).trim() }, ["initrd", "network", "afs", "root", "switch", "up"]);

  await goto(page, `/hosts/${h.name}`);
  await expect(page.getByTestId("booted-version")).toHaveText(`${fleet.release}@1`);
  await expect(page.getByTestId("assigned-version")).toContainText(`${other}@7`);
  await expect(page.getByText(`Reboot pending: the host runs ${fleet.release}@1 but is assigned ${other}@7.`)).toBeVisible();
  const view = await (await ok(await api.get(`/api/v1/hosts/${h.name}`))).json();
  expect(view).toMatchObject({
    bootedRelease: fleet.release,
    bootedVersion: "1",
    bootedLabel: `${fleet.release}@1`,
    assignedVersion: "7",
    rebootPending: true,
  });
});

test("the boot log lists every boot newest first, narrows by filters, links to the host, and names a bad filter", async ({ page }) => {
  await goto(page, "/boots");
  await expect(page.getByRole("heading", { level: 1, name: "Boots" })).toBeVisible();
  await expect(page.getByTestId("boot-log-row").first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  // the failing host's failed boot, with its message; a select changes nothing until applied
  await page.getByLabel("State", { exact: true }).selectOption("failed");
  await page.getByLabel("Host", { exact: true }).fill(fleet.failing.name);
  await expect(page).toHaveURL(/\/boots$/);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/[?&]state=failed/);
  await expect(page.getByTestId("boot-log-total")).toHaveText("1 boot matches");
  const row = page.getByTestId("boot-log-row");
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId("boot-log-state")).toHaveText(/failed/i);
  await expect(row).toContainText("afs (failed)");
  await expect(row).toContainText(FAILURE);
  await row.getByRole("link", { name: fleet.failing.name }).click();
  await expect(page).toHaveURL(new RegExp(`/hosts/${fleet.failing.name}#boot-history$`));

  // a time range the wrong way round: the message is next to its field, and nothing is listed
  await goto(page, "/boots?from=2026-12-02T00:00&to=2026-12-01T00:00");
  await expect(page.locator("#to-error")).toHaveText("to must be later than from");
  await expect(page.getByText("Fix the highlighted filters: nothing was searched.")).toBeVisible();
  await expect(page.getByTestId("boot-log-row")).toHaveCount(0);
});
