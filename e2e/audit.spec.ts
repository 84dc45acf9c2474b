import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, request, test, type APIRequestContext, type Page } from "@playwright/test";
import { DATABASE_URL, ROOT, TMP, afsboot, goto, hydrated, networkData, signIn, storageState, uid } from "./helpers";

// The audit log as a viewer reads it: an action on many hosts is one entry listing them, and the
// filters (user, action, object, time; in the URL, paged) narrow it literally.

test.use({ storageState: storageState("viewer") });

const u = uid();
const fx = { token: `audit-${u}`, hosts: [1, 2, 3].map((i) => `au${u}-${i}`), cells: Array.from({ length: 51 }, (_, i) => `pg${u}-${i}.example.org`) };

/** Runs e2e/hosts-fixtures.ts (the data layer, through tsx) against the e2e database. */
function fixture(...args: string[]) {
  execFileSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "e2e/hosts-fixtures.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL, AFSBOOT_DATA_DIR: TMP, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

const cellBody = (name: string) => ({
  name,
  client: "kafs",
  bootRoot: `/afs/${name}/boot`,
  cacheMemcache: true,
  cacheBlocks: 65536,
  servers: [{ name: `db.${name}`, ip: "192.0.2.41" }],
});

test.beforeAll(async ({ baseURL }) => {
  const token = afsboot(["token", "create", fx.token, "--role", "operator"]).trim();
  const api: APIRequestContext = await request.newContext({
    baseURL,
    storageState: { cookies: [], origins: [] },
    extraHTTPHeaders: { Authorization: `Bearer ${token}` },
  });
  try {
    const n = networkData("audit");
    expect((await api.post("/api/v1/networks", { data: { ...n, dns: n.dns.split(/[\s,]+/).filter(Boolean) } })).status()).toBe(201);
    for (const cell of fx.cells) expect((await api.post("/api/v1/cells", { data: cellBody(cell) })).status()).toBe(201);
    const release = `au${u}`;
    fixture("release", release, fx.cells[0]!, "1");
    fixture("release", `l${u}_a`, fx.cells[0]!, "1");
    fixture("release", `l${u}ba`, fx.cells[0]!, "1");
    const base = n.subnet.replace(/0\/24$/, "");
    const hex = () =>
      Math.floor(Math.random() * 256)
        .toString(16)
        .padStart(2, "0");
    const hosts = fx.hosts.map((name, i) => ({
      name,
      mac: ["02", hex(), hex(), hex(), hex(), hex()].join(":"),
      ip: `${base}${20 + i}`,
      cell: fx.cells[0],
      release,
    }));
    const res = await api.post("/api/v1/hosts/bulk", { data: { hosts } });
    expect(res.status(), await res.text()).toBe(201);
  } finally {
    await api.dispose();
  }
});

const rows = (page: Page) => page.getByTestId("audit-row");
/** Submits the filter form (a plain GET: a new page) and waits for the new page. */
async function apply(page: Page) {
  const before = page.url();
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL((url) => url.href !== before);
  await hydrated(page);
}
/** "YYYY-MM-DDTHH:mm" in UTC, as the datetime-local filters take it. */
const utcMinute = (d: Date) => d.toISOString().slice(0, 16);

test("an action on many hosts is one entry listing them; user, action, object and time filters narrow the log, kept in the URL", async ({ page }) => {
  await goto(page, "/audit");
  await page.getByLabel("Object", { exact: true }).fill(fx.hosts[1]!);
  await apply(page);
  await expect(page).toHaveURL(new RegExp(`[?&]object=${fx.hosts[1]}(&|$)`));
  await expect(rows(page)).toHaveCount(1);
  const entry = rows(page).first();
  await expect(entry.getByRole("cell", { name: "host.create", exact: true })).toBeVisible();
  await expect(entry).toContainText("3 hosts");
  await expect(entry.getByTestId("audit-hosts")).toHaveText(fx.hosts.join(", "));
  await expect(entry).toContainText(`token:${fx.token}`);

  // by user and action (selects of what the log holds), with the object kept
  await page.getByLabel("User", { exact: true }).selectOption(`token:${fx.token}`);
  await page.getByLabel("Action", { exact: true }).selectOption("host.create");
  await apply(page);
  await expect(page).toHaveURL(/[?&]user=token%3Aaudit-/);
  await expect(page).toHaveURL(/[?&]action=host\.create/);
  await expect(rows(page)).toHaveCount(1);
  await page.getByLabel("Action", { exact: true }).selectOption("cell.create");
  await page.getByLabel("Object", { exact: true }).fill("");
  await apply(page);
  await expect(page.getByTestId("audit-total")).toHaveText("51 entries match");

  // by time: nothing from tomorrow on; the last hour has the entry
  await goto(page, `/audit?object=${fx.hosts[0]}&from=${utcMinute(new Date(Date.now() + 86_400_000))}`);
  await expect(page.getByText("No entry matches these filters")).toBeVisible();
  await goto(page, `/audit?object=${fx.hosts[0]}&from=${utcMinute(new Date(Date.now() - 3_600_000))}&to=${utcMinute(new Date(Date.now() + 3_600_000))}`);
  await expect(rows(page)).toHaveCount(1);
  // a linked view fills the form
  await expect(page.getByLabel("Object", { exact: true })).toHaveValue(fx.hosts[0]!);
  // a range that ends before it starts is refused at the field
  await goto(page, `/audit?from=2026-12-04T10:00&to=2026-12-04T09:00`);
  await expect(page.locator("#to-error")).toHaveText("to must be later than from");
  await expect(page.getByText("Fix the highlighted filters: nothing was searched.")).toBeVisible();
});

test("the filters stay on the page links", async ({ page }) => {
  await goto(page, `/audit?object=pg${u}-`);
  await expect(page.getByTestId("audit-total")).toHaveText("51 entries match");
  await expect(rows(page)).toHaveCount(50);
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(new RegExp(`/audit\\?object=pg${u}-&page=2$`));
  await expect(rows(page)).toHaveCount(1);
  await expect(page.getByLabel("Object", { exact: true })).toHaveValue(`pg${u}-`);
});

test("search and object match literally: '_' and '%' are characters, not wildcards", async ({ page }) => {
  // releases l…_a and l…ba: as a wildcard, "_" would match both
  await goto(page, `/audit?type=release&object=${u}_a`);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText(`l${u}_a`);
  await goto(page, `/audit?type=release&q=${encodeURIComponent(`l${u}_`)}`);
  await expect(rows(page)).toHaveCount(1);
  await expect(page.getByLabel("Object type")).toHaveValue("release");
  await goto(page, "/audit?q=%25");
  await expect(page.getByText("Nothing matches “%”")).toBeVisible();
});

test("viewers see a failed sign-in under a name that is no account as (unknown user), never the name", async ({ page, browser }) => {
  const typed = `Typed-Password-${uid()}`;
  const stranger = await browser.newContext({ storageState: { cookies: [], origins: [] } }); // signed out
  const strangerPage = await stranger.newPage();
  await signIn(strangerPage, typed, "anything-at-all");
  // the refusal is on screen: the server has recorded the attempt (closing before could cut it off)
  await expect(strangerPage.getByText("Wrong username or password")).toBeVisible();
  await stranger.close();
  await goto(page, "/audit?action=user.login_failed");
  await expect(rows(page).first()).toContainText("(unknown user)");
  await expect(page.getByText(typed)).toHaveCount(0);
  await goto(page, `/audit?q=${typed}`);
  await expect(page.getByText(`Nothing matches “${typed}”`)).toBeVisible();
});
