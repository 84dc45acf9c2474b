import { expect, test, type Locator } from "@playwright/test";
import { afsboot, goto, storageState, uid } from "./helpers";
import { createHostFleet, seedHosts, type HostFleet } from "./hosts-fleet";

// Layout at the sizes people use: a 1440 px laptop, a 390 px phone. Measured, not looked at:
// nothing the page needs overflows its box, and what belongs together sits together.

test.use({ storageState: storageState("operator") });

let fleet: HostFleet;

test.beforeAll(async () => {
  fleet = await createHostFleet("layout");
});

const box = async (l: Locator) => (await l.boundingBox())!;
/** Whether the element's content is wider than its box (it scrolls or is cut off). */
const overflows = (l: Locator) => l.evaluate((el) => el.scrollWidth > el.clientWidth);

test("at 1440 px the dashboard's Booting now table fits its card, every column whole", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  // a long, realistic host name, in the middle of its boot
  const [host] = seedHosts(fleet, `render-farm-gpu-node-${uid()}`, 1, 10);
  const token = afsboot(["host", "token", host!.name]).trim();
  const bootId = `e2e-${uid()}`;
  for (const stage of ["initrd", "network"]) {
    const res = await page.request.post("/api/v1/boot-events", { form: { mac: host!.mac, bootId, stage, token, ip: host!.ip } });
    expect([200, 202], await res.text()).toContain(res.status());
  }

  await goto(page, "/");
  const table = page.getByTestId("booting-now");
  const row = table.getByRole("row").filter({ has: page.getByRole("link", { name: host!.name, exact: true }) });
  await expect(row).toContainText("network");
  const container = table.locator("xpath=..");
  expect(await overflows(container)).toBe(false);
  const card = await box(container);
  for (const header of await table.getByRole("columnheader").all()) {
    const h = await box(header);
    expect(h.x + h.width, await header.innerText()).toBeLessThanOrEqual(card.x + card.width + 0.5);
  }
  for (const cell of await row.getByRole("cell").all()) expect(await overflows(cell), await cell.innerText()).toBe(false);
});

test("the host page leads with status and boot history, then power, identity, settings and boot files, with links to each", async ({ page }) => {
  const [host] = seedHosts(fleet, `lay-${uid()}`, 1, 20);
  await goto(page, `/hosts/${host!.name}`);
  const sections = page.getByRole("navigation", { name: "On this page" }).getByRole("link");
  await expect(sections).toHaveText(["Status", "Boot history", "Power", "Identity and secrets", "Settings", "Boot files", "Report token", "Audit trail"]);

  const tops: number[] = [];
  for (const name of ["Release and last boot", "Boot history", "Power", "Identity and secrets", "Settings", "Boot files", "Audit trail"]) {
    tops.push((await box(page.getByRole("heading", { name, exact: true }))).y);
  }
  expect(tops).toEqual([...tops].sort((a, b) => a - b));

  // each link leads to its section
  await sections.getByText("Boot files", { exact: true }).click();
  await expect(page).toHaveURL(/#boot-files$/);
  await expect(page.getByRole("heading", { name: "Boot files", exact: true })).toBeInViewport();
  await sections.getByText("Settings", { exact: true }).click();
  await expect(page).toHaveURL(/#settings$/);
  await expect(page.getByRole("heading", { name: "Settings", exact: true })).toBeInViewport();
});

test("at 390 px the hosts table shows each host's boot state beside its name", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const prefix = `ph-${uid()}`;
  seedHosts(fleet, prefix, 2, 30);
  await goto(page, `/hosts?q=${prefix}`);
  for (const name of [`${prefix}-01`, `${prefix}-02`]) {
    const link = page.getByRole("link", { name, exact: true });
    const row = page.getByRole("row").filter({ has: link });
    const state = row.getByTestId("boot-state");
    await expect(state).toHaveText("never booted");
    await link.scrollIntoViewIfNeeded(); // down the page: the rows are below the filters
    await expect(link).toBeInViewport();
    await expect(state).toBeInViewport({ ratio: 1 });
    const [r, s, l] = [await box(row), await box(state), await box(link)];
    // inside the row's box, and on the screen
    expect(s.y).toBeGreaterThanOrEqual(r.y);
    expect(s.y + s.height).toBeLessThanOrEqual(r.y + r.height);
    expect(s.x + s.width).toBeLessThanOrEqual(390);
    expect(s.x).toBeGreaterThan(l.x);
  }
});

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("the console has its own icon, also on the sign-in page", async ({ page }) => {
    await goto(page, "/login");
    const icon = page.locator('head link[rel="icon"]');
    await expect(icon).toHaveCount(1);
    const res = await page.request.get((await icon.getAttribute("href"))!, { maxRedirects: 0 });
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toMatch(/^image\/svg\+xml/);
    expect(await res.text()).toContain("<svg");
  });
});
