import { expect, test, type Page } from "@playwright/test";
import { apiNames, apiStatus, storageState, uid, goto, reload } from "./helpers";

test.use({ storageState: storageState("operator") });

interface CellData {
  name: string;
  client: "kafs" | "openafs";
  bootRoot: string;
  cacheBlocks: string;
  memcache: boolean;
  servers: { name: string; ip: string }[];
  notes: string;
}

function cellData(): CellData {
  const name = `c-${uid()}.example.org`;
  return {
    name,
    client: "openafs",
    bootRoot: `/afs/${name}/boot`,
    cacheBlocks: "131072",
    memcache: false,
    servers: [
      { name: `afsdb1.${name}`, ip: "192.0.2.11" },
      { name: `afsdb2.${name}`, ip: "192.0.2.12" },
    ],
    notes: "created by e2e",
  };
}

async function fillCellForm(page: Page, c: CellData) {
  await page.getByLabel("Cell name").fill(c.name);
  await page.getByLabel("AFS client").selectOption(c.client);
  await page.getByLabel("Boot root").fill(c.bootRoot);
  await page.getByLabel("Cache blocks").fill(c.cacheBlocks);
  await page.getByLabel("Memory cache").setChecked(c.memcache);
  for (const [i, s] of c.servers.entries()) {
    if ((await page.getByLabel(`Server ${i + 1} name`).count()) === 0) await page.getByRole("button", { name: "Add server" }).click();
    await page.getByLabel(`Server ${i + 1} name`).fill(s.name);
    await page.getByLabel(`Server ${i + 1} IP`).fill(s.ip);
  }
  await page.getByLabel("Notes").fill(c.notes);
}

test("create a cell with two servers, edit it, delete it after confirming", async ({ page }) => {
  const c = cellData();
  await goto(page, "/cells/new");
  await fillCellForm(page, c);
  await page.getByRole("button", { name: "Create cell" }).click();
  await expect(page).toHaveURL(new RegExp(`/cells/${c.name.replace(/\./g, "\\.")}(\\?|$)`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Cell ${c.name}`);
  await expect(page.getByText(`Saved cell ${c.name}`)).toBeVisible();

  const created = await (await page.request.get(`/api/v1/cells/${c.name}`)).json();
  expect(created).toMatchObject({ name: c.name, client: "openafs", bootRoot: c.bootRoot, cacheBlocks: 131072, cacheMemcache: false });
  expect(created.servers.map((s: { name: string; ip: string }) => ({ name: s.name, ip: s.ip }))).toEqual(c.servers);

  // listed
  await goto(page, "/cells");
  await expect(page.getByRole("link", { name: c.name, exact: true })).toBeVisible();
  await page.getByRole("link", { name: c.name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Cell ${c.name}`);

  // edit: remove the first server, switch to kAFS, memory cache on
  await expect(page.getByLabel("Server 2 IP")).toHaveValue("192.0.2.12");
  await page.getByRole("button", { name: "Remove server 1" }).click();
  await expect(page.getByLabel("Server 2 name")).toHaveCount(0);
  await expect(page.getByLabel("Server 1 IP")).toHaveValue("192.0.2.12");
  await page.getByLabel("AFS client").selectOption("kafs");
  await page.getByLabel("Memory cache").check();
  await page.getByLabel("Notes").fill("edited by e2e");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(`Saved cell ${c.name}`)).toBeVisible();

  await reload(page);
  await expect(page.getByLabel("AFS client")).toHaveValue("kafs");
  await expect(page.getByLabel("Memory cache")).toBeChecked();
  await expect(page.getByLabel("Server 1 name")).toHaveValue(c.servers[1]!.name);
  await expect(page.getByLabel("Server 2 name")).toHaveCount(0);
  const edited = await (await page.request.get(`/api/v1/cells/${c.name}`)).json();
  expect(edited).toMatchObject({ client: "kafs", cacheMemcache: true, notes: "edited by e2e" });
  expect(edited.servers.map((s: { ip: string }) => s.ip)).toEqual(["192.0.2.12"]);

  // delete, after the confirmation dialog
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog.getByRole("heading", { name: `Delete cell ${c.name}?` })).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  expect(await apiStatus(page.request, "cells", c.name)).toBe(200);
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await dialog.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(page).toHaveURL(/\/cells$/);
  await expect(page.getByRole("link", { name: c.name, exact: true })).toHaveCount(0);
  expect(await apiStatus(page.request, "cells", c.name)).toBe(404);

  await goto(page, `/audit?q=${c.name}`);
  for (const action of ["cell.create", "cell.update", "cell.delete"]) {
    await expect(page.getByRole("cell", { name: action, exact: true })).toHaveCount(1);
  }
});

test("a cell name that is not DNS-style is refused, nothing is saved", async ({ page }) => {
  const c = { ...cellData(), name: `bad name ${uid()}!` };
  await goto(page, "/cells/new");
  await fillCellForm(page, c);
  await page.getByRole("button", { name: "Create cell" }).click();
  await expect(page.locator("#name-error")).toContainText("must be a DNS-style name");
  await expect(page.getByLabel("Cell name")).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/\/cells\/new$/);
  // both server rows are kept as typed
  await expect(page.getByLabel("Server 2 IP")).toHaveValue(c.servers[1]!.ip);
  expect(await apiNames(page.request, "cells", c.servers[0]!.name.split(".")[1]!)).toEqual([]);
  expect(await apiNames(page.request, "cells", "bad name")).toEqual([]);
});

test("a server IP that is not IPv4 is refused next to that server, nothing is saved", async ({ page }) => {
  const c = cellData();
  c.servers[1]!.ip = "192.0.2.300";
  await goto(page, "/cells/new");
  await fillCellForm(page, c);
  await page.getByRole("button", { name: "Create cell" }).click();
  const err = page.locator("[id='servers.1.ip-error']");
  await expect(err).toContainText("must be an IPv4 address");
  await expect(page.getByLabel("Server 2 IP")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Server 1 IP")).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Server 2 IP")).toHaveValue("192.0.2.300");
  await expect(page).toHaveURL(/\/cells\/new$/);
  expect(await apiStatus(page.request, "cells", c.name)).toBe(404);
  expect(await apiNames(page.request, "cells", c.name)).toEqual([]);
});

test("a cell's Kerberos realm and KDCs: a realm without KDCs is refused next to the KDCs; set through the form, shown and returned by the API", async ({
  page,
}) => {
  const c = cellData();
  await goto(page, "/cells/new");
  await fillCellForm(page, c);
  await page.getByLabel("Kerberos realm").fill("LAB.TEST");
  await page.getByRole("button", { name: "Create cell" }).click();
  await expect(page.locator("#kdcs-error")).toHaveText("A Kerberos realm needs its KDCs: list at least one (host or host:port), or clear the realm");
  await expect(page.getByLabel("KDCs", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Kerberos realm")).toHaveValue("LAB.TEST");
  await expect(page).toHaveURL(/\/cells\/new$/);
  expect(await apiStatus(page.request, "cells", c.name)).toBe(404);

  await page.getByLabel("KDCs", { exact: true }).fill("10.0.0.5, KDC2.example.org:88");
  await page.getByRole("button", { name: "Create cell" }).click();
  await expect(page.getByText(`Saved cell ${c.name}`)).toBeVisible();
  expect(await (await page.request.get(`/api/v1/cells/${c.name}`)).json()).toMatchObject({ realm: "LAB.TEST", kdcs: ["10.0.0.5", "kdc2.example.org:88"] });
  await reload(page);
  await expect(page.getByLabel("Kerberos realm")).toHaveValue("LAB.TEST");
  await expect(page.getByLabel("KDCs", { exact: true })).toHaveValue("10.0.0.5, kdc2.example.org:88");

  // KDCs without a realm: refused next to the realm, nothing changed
  await page.getByLabel("Kerberos realm").fill("");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator("#realm-error")).toHaveText("KDCs need a Kerberos realm: give the realm they serve, or clear the KDCs");
  expect(await (await page.request.get(`/api/v1/cells/${c.name}`)).json()).toMatchObject({ realm: "LAB.TEST", revision: 1 });

  // listed with its realm
  await goto(page, "/cells");
  await expect(page.getByRole("row", { name: new RegExp(c.name.replace(/\./g, "\\.")) }).getByText("LAB.TEST")).toBeVisible();
});
