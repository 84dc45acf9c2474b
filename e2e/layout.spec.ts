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
