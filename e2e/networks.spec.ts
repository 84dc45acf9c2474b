import { expect, test } from "@playwright/test";
import { apiNames, field, apiStatus, createNetworkViaUi, fillNetworkForm, networkData, storageState, goto, reload, uid } from "./helpers";
import { createHostFleet, seedHosts } from "./hosts-fleet";

test.use({ storageState: storageState("operator") });

test("create, edit and delete a network (delete asks first)", async ({ page }) => {
  const n = networkData();
  await createNetworkViaUi(page, n);
  await expect(page.getByText(`Saved network ${n.name}`)).toBeVisible();

  // listed
  await goto(page, "/networks");
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: n.name, exact: true }) });
  await expect(row).toContainText(n.subnet);
  await expect(row).toContainText(n.gateway);

  // edit: gateway, DNS and notes
  await row.getByRole("link", { name: n.name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Network ${n.name}`);
  await expect(field(page, "Gateway")).toHaveValue(n.gateway);
  const newGateway = n.gateway.replace(/\.1$/, ".254");
  await fillNetworkForm(page, { gateway: newGateway, dns: "192.0.2.53", notes: "edited by e2e" });
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(`Saved network ${n.name}`)).toBeVisible();
  await reload(page);
  await expect(field(page, "Gateway")).toHaveValue(newGateway);
  await expect(field(page, "DNS servers")).toHaveValue("192.0.2.53");
  await expect(field(page, "Notes")).toHaveValue("edited by e2e");
  const saved = await (await page.request.get(`/api/v1/networks/${n.name}`)).json();
  expect(saved).toMatchObject({ name: n.name, gateway: newGateway, dns: ["192.0.2.53"], notes: "edited by e2e", revision: 2 });

  // delete: the dialog asks; Cancel keeps the network
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog.getByRole("heading", { name: `Delete network ${n.name}?` })).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  expect(await apiStatus(page.request, "networks", n.name)).toBe(200);

  // confirm
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await dialog.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(page).toHaveURL(/\/networks$/);
  await expect(page.getByText(`Deleted network ${n.name}`)).toBeVisible();
  await expect(page.getByRole("link", { name: n.name, exact: true })).toHaveCount(0);
  expect(await apiStatus(page.request, "networks", n.name)).toBe(404);

  // and the audit log has the three changes
  await goto(page, `/audit?q=${n.name}`);
  for (const action of ["network.create", "network.update", "network.delete"]) {
    await expect(page.getByRole("cell", { name: action, exact: true })).toHaveCount(1);
  }
});

test("a gateway outside the subnet is refused next to the field, and nothing is saved", async ({ page }) => {
  const n = networkData();
  const outside = "192.0.2.1"; // TEST-NET-1: never inside the 10.x.y.0/24 of networkData()
  await goto(page, "/networks/new");
  await fillNetworkForm(page, { ...n, gateway: outside });
  await page.getByRole("button", { name: "Create network" }).click();

  const message = `Gateway ${outside} lies outside ${n.subnet}`;
  // under the Gateway field (in its own field block), not only in a summary
  const gatewayBlock = page.locator('[data-slot="field"]').filter({ has: field(page, "Gateway") });
  await expect(gatewayBlock.getByText(message)).toBeVisible();
  await expect(page.locator("#gateway-error")).toHaveText(message);
  // shown under the Gateway field, wired to it for assistive technology
  await expect(field(page, "Gateway")).toHaveAttribute("aria-invalid", "true");
  await expect(field(page, "Gateway")).toHaveAttribute("aria-describedby", /gateway-error/);
  await expect(page.getByText("Please correct the highlighted fields")).toBeVisible();
  // the form keeps what was typed
  await expect(field(page, "Name")).toHaveValue(n.name);
  await expect(field(page, "Gateway")).toHaveValue(outside);
  await expect(page).toHaveURL(/\/networks\/new$/);

  expect(await apiStatus(page.request, "networks", n.name)).toBe(404);
  expect(await apiNames(page.request, "networks", n.name)).toEqual([]);
  await goto(page, "/audit?q=" + n.name);
  await expect(page.getByText(`Nothing matches “${n.name}”`)).toBeVisible();
});

test("a duplicate network name is refused next to the Name field; the first one is unchanged", async ({ page }) => {
  const first = networkData("dup");
  await createNetworkViaUi(page, first);

  const second = { ...networkData(), name: first.name, notes: "the impostor" };
  await goto(page, "/networks/new");
  await fillNetworkForm(page, second);
  await page.getByRole("button", { name: "Create network" }).click();
  const nameBlock = page.locator('[data-slot="field"]').filter({ has: field(page, "Name") });
  await expect(nameBlock.getByText(/(This|That) network name is already taken/)).toBeVisible();
  await expect(page.locator("#name-error")).toHaveText(/(This|That) network name is already taken/);
  await expect(field(page, "Name")).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/\/networks\/new$/);

  // exactly one network by that name, still the first one's settings
  expect(await apiNames(page.request, "networks", first.name)).toEqual([first.name]);
  const stored = await (await page.request.get(`/api/v1/networks/${first.name}`)).json();
  expect(stored).toMatchObject({ subnet: first.subnet, gateway: first.gateway, notes: first.notes, revision: 1 });
});

test("a discovery range is refused next to its field when outside the subnet, then saved and listed", async ({ page }) => {
  const n = networkData();
  const prefix = n.subnet.replace(/\.0\/24$/, "");
  await goto(page, "/networks/new");
  await fillNetworkForm(page, n);
  await field(page, "Discovery range").fill("192.0.2.10-192.0.2.20");
  await page.getByRole("button", { name: "Create network" }).click();
  const message = `Discovery range 192.0.2.10-192.0.2.20 lies outside the subnet ${n.subnet}: choose addresses inside it, or clear the range`;
  await expect(page.locator("#discoveryRange-error")).toHaveText(message);
  await expect(field(page, "Discovery range")).toHaveAttribute("aria-invalid", "true");
  expect(await apiStatus(page.request, "networks", n.name)).toBe(404);

  await field(page, "Discovery range").fill(`${prefix}.200 - ${prefix}.220`);
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page).toHaveURL(new RegExp(`/networks/${n.name}(\\?|$)`));
  await expect(field(page, "Discovery range")).toHaveValue(`${prefix}.200-${prefix}.220`);
  const saved = await (await page.request.get(`/api/v1/networks/${n.name}`)).json();
  expect(saved).toMatchObject({ discoveryRange: `${prefix}.200-${prefix}.220` });
  await goto(page, `/networks?q=${n.name}`);
  await expect(page.getByRole("row").filter({ has: page.getByRole("link", { name: n.name, exact: true }) })).toContainText(`${prefix}.200-${prefix}.220`);
});

test("a DHCP event hook is refused next to its field when not an absolute path, then saved and shown to viewers", async ({ page, browser }) => {
  const n = networkData();
  const hook = "/usr/local/sbin/afsboot-dhcp-event";
  await goto(page, "/networks/new");
  await fillNetworkForm(page, n);
  await field(page, "DHCP event hook").fill("afsboot-dhcp-event");
  await page.getByRole("button", { name: "Create network" }).click();
  const message = "DHCP event hook must be an absolute path on the DHCP server, like /usr/local/sbin/afsboot-dhcp-event";
  const hookBlock = page.locator('[data-slot="field"]').filter({ has: field(page, "DHCP event hook") });
  await expect(hookBlock.getByText(message)).toBeVisible();
  await expect(page.locator("#dhcpEventHook-error")).toHaveText(message);
  await expect(field(page, "DHCP event hook")).toHaveAttribute("aria-invalid", "true");
  expect(await apiStatus(page.request, "networks", n.name)).toBe(404);

  await field(page, "DHCP event hook").fill(hook);
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page).toHaveURL(new RegExp(`/networks/${n.name}(\\?|$)`));
  await expect(field(page, "DHCP event hook")).toHaveValue(hook);
  const saved = await (await page.request.get(`/api/v1/networks/${n.name}`)).json();
  expect(saved).toMatchObject({ dhcpEventHook: hook });

  // viewers get the read-only settings, the hook among them
  const viewer = await browser.newContext({ storageState: storageState("viewer") });
  const vp = await viewer.newPage();
  await goto(vp, `/networks/${n.name}`);
  await expect(vp.getByRole("definition").filter({ hasText: hook })).toBeVisible();
  await expect(vp.getByText("DHCP event hook", { exact: true })).toBeVisible();
  await viewer.close();
});

test("two boot servers: a duplicate address is refused next to its row with both rows kept, then saved in failover and shown to viewers", async ({
  page,
  browser,
}) => {
  const n = networkData();
  const prefix = n.subnet.replace(/\.0\/24$/, "");
  await goto(page, "/networks/new");
  await fillNetworkForm(page, { ...n, bootServer: `${prefix}.4` });
  await field(page, "Server 1 name").fill("boot1");
  await page.getByRole("button", { name: "Add boot server" }).click();
  await field(page, "Server 2 name").fill("boot2");
  await field(page, "Server 2 address").fill(`${prefix}.4`);
  await page.getByLabel("DHCP failover").selectOption("load-balancing");
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page.locator("#bootServers\\.1\\.address-error")).toHaveText(`Address ${prefix}.4 is listed twice (also server 1)`);
  await expect(field(page, "Server 2 name")).toHaveValue("boot2");
  await expect(field(page, "Server 1 name")).toHaveValue("boot1");
  expect(await apiStatus(page.request, "networks", n.name)).toBe(404);

  await field(page, "Server 2 address").fill(`${prefix}.5`);
  await page.getByRole("button", { name: "Create network" }).click();
  await expect(page).toHaveURL(new RegExp(`/networks/${n.name}(\\?|$)`));
  const saved = await (await page.request.get(`/api/v1/networks/${n.name}`)).json();
  expect(saved).toMatchObject({
    bootServer: `${prefix}.4`,
    bootServers: [
      { name: "boot1", address: `${prefix}.4` },
      { name: "boot2", address: `${prefix}.5` },
    ],
    dhcpFailover: "load-balancing",
  });

  const viewer = await browser.newContext({ storageState: storageState("viewer") });
  const vp = await viewer.newPage();
  await goto(vp, `/networks/${n.name}`);
  await expect(vp.getByRole("definition").filter({ hasText: `boot2 ${prefix}.5, files at http://${prefix}.5/` })).toBeVisible();
  await expect(vp.getByRole("definition").filter({ hasText: "load balancing" })).toBeVisible();
  await viewer.close();
});

test("a network in use cannot be deleted: the Delete button is disabled and says why", async ({ page }) => {
  const fleet = await createHostFleet("inuse");
  seedHosts(fleet, `inuse-${uid()}`, 2, 10);
  await goto(page, `/networks/${fleet.network}`);
  const del = page.getByRole("main").getByRole("button", { name: "Delete", exact: true });
  await expect(del).toBeDisabled();
  await expect(del).toHaveAccessibleDescription("Used by 2 hosts: move them to another network to delete it.");
  await expect(page.getByText("Used by 2 hosts: move them to another network to delete it.")).toBeVisible();
  expect(await apiStatus(page.request, "networks", fleet.network)).toBe(200);
});
