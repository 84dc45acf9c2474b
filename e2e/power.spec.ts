import { expect, test, type Page } from "@playwright/test";
import { field, goto, networkData, reload, storageState, uid } from "./helpers";
import { fakePdu } from "./power/fake-pdu";
import { createHostFleet, seedHosts, type HostFleet } from "./hosts-fleet";

// Power control as people use it: BMC defaults on a network that its hosts inherit, the host
// page's live power state and actions (confirmed before cutting power), a refusal at the field,
// bulk actions with each host's answer, and viewers who see the state only. The BMC is a fake PDU
// (e2e/power/fake-pdu.sh) run by the command driver: it keeps each host's power in a file and logs
// every action, so each step has a real effect to check.

test.use({ storageState: storageState("operator") });

let fleet: HostFleet;

test.beforeAll(async () => {
  fleet = await createHostFleet("power");
});

const byId = (page: Page, id: string) => page.locator(`[id="${id}"]`);
const powerState = (page: Page) => page.getByTestId("power-state");
const powerActions = (page: Page) => page.getByRole("group", { name: "Power actions" });

test("a network's BMC defaults are inherited; power on and a confirmed power cycle reach the BMC; the password never comes back", async ({ page }) => {
  const pdu = fakePdu();
  const password = `pw-${uid()}-secret`;

  // the network's defaults, through its form
  await goto(page, `/networks/${fleet.network}`);
  await page.getByRole("combobox", { name: "Driver", exact: true }).selectOption("command");
  await field(page, "Command").fill(pdu.name);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(`Saved network ${fleet.network}`)).toBeVisible();
  const stored = page.getByLabel("Password", { exact: true });
  await expect(stored).toHaveValue("");
  await expect(stored).toHaveAttribute("placeholder", "stored — leave empty to keep");
  await expect(stored).toHaveAttribute("autocomplete", "new-password");
  await expect(page.getByRole("checkbox", { name: "Remove the stored password" })).not.toBeChecked();
  expect(await page.content()).not.toContain(password);

  // a host without BMC settings of its own inherits them
  const [host] = seedHosts(fleet, `pw-${uid()}`, 1, 10);
  const name = host!.name;
  await goto(page, `/hosts/${name}`);
  await expect(page.getByTestId("power-inherited")).toHaveText(`Driver, password and command come from network ${fleet.network}.`);
  await expect(page.getByTestId("power-driver")).toContainText(`Command ${pdu.name}`);
  await expect(powerState(page)).toHaveAttribute("data-state", "off");
  expect(pdu.actions()).toEqual([`${name} status`]);
  expect(pdu.log()).toContain(`password-length=${password.length}`); // the password reached the BMC, in the clear only there

  // the host form says where the BMC comes from, and has no password to show
  await expect(page.getByTestId("bmc-inherited")).toContainText(`network ${fleet.network}'s defaults: driver Command, a password, command ${pdu.name}`);
  await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");

  // on
  await powerActions(page).getByRole("button", { name: "On", exact: true }).click();
  await expect(page.getByTestId("power-answer")).toHaveText(`On: done — ${name} switched on`);
  await expect(powerState(page)).toHaveAttribute("data-state", "on");
  expect(pdu.actions()).toContain(`${name} on`);

  // power cycle asks first: cancelled, nothing is asked of the BMC
  await powerActions(page).getByRole("button", { name: "Power cycle" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm.getByRole("heading")).toHaveText(`Power cycle host ${name}?`);
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toHaveCount(0);
  // a status read after the cancel: once it is in the log, a cycle would have been before it
  const reads = pdu.actions().filter((a) => a === `${name} status`).length;
  await page.getByRole("button", { name: "Refresh" }).click();
  await expect.poll(() => pdu.actions().filter((a) => a === `${name} status`).length).toBe(reads + 1);
  expect(pdu.actions()).not.toContain(`${name} cycle`);

  // confirmed: done, and the answer shown
  await powerActions(page).getByRole("button", { name: "Power cycle" }).click();
  await confirm.getByRole("button", { name: "Power cycle", exact: true }).click();
  await expect(confirm).toHaveCount(0);
  await expect(page.getByTestId("power-answer")).toHaveText(`Power cycle: done — ${name} switched off and on`);
  expect(pdu.actions()).toContain(`${name} cycle`);
  await expect(powerState(page)).toHaveAttribute("data-state", "on");

  // the password is in no page and no answer of the API
  expect(await page.content()).not.toContain(password);
  for (const url of [`/api/v1/hosts/${name}`, `/api/v1/networks/${fleet.network}`, `/api/v1/hosts/${name}/power`]) {
    const res = await page.request.get(url);
    expect(res.status()).toBe(200);
    expect(await res.text()).not.toContain(password);
  }
  await goto(page, `/networks/${fleet.network}`);
  expect(await page.content()).not.toContain(password);
});

test("Redfish over http:// without the insecure opt-out is refused next to the address, nothing saved; marked insecure it saves and the page says so", async ({
  page,
}) => {
  const [host] = seedHosts(fleet, `rf-${uid()}`, 1, 30, { bmc: { driver: "redfish", address: "https://127.0.0.1:9" } });
  const name = host!.name;
  await goto(page, `/hosts/${name}`);
  await page.getByRole("combobox", { name: "Driver", exact: true }).selectOption("redfish");
  await field(page, "Address").fill("http://127.0.0.1:9");
  await page.getByRole("combobox", { name: "Certificate check (Redfish)" }).selectOption("false");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(byId(page, "bmc.address-error")).toHaveText("A Redfish BMC is reached over https://; plain http:// only for a BMC marked insecure");
  await expect(field(page, "Address")).toHaveAttribute("aria-invalid", "true");
  await expect(field(page, "Address")).toHaveValue("http://127.0.0.1:9"); // kept for another try
  const saved = (await (await page.request.get(`/api/v1/hosts/${name}`)).json()) as { bmc: Record<string, unknown> };
  expect(saved.bmc).toMatchObject({ driver: "redfish", address: "https://127.0.0.1:9", insecure: null });

  // marked insecure: warned in the form, saved, badged on the page; the BMC's failure in words
  await page.getByRole("combobox", { name: "Certificate check (Redfish)" }).selectOption("true");
  await expect(page.getByTestId("bmc-insecure-warning")).toBeVisible();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(`Saved host ${name}`)).toBeVisible();
  await expect(page.getByTestId("power-insecure")).toHaveText("insecure");
  await expect(powerState(page)).toHaveAttribute("data-state", "error");
  await expect(powerState(page)).toContainText("The BMC did not answer:");
});

test("bulk power cycle of 2 hosts: the count is confirmed, one BMC fails, both answers are shown", async ({ page }) => {
  const pdu = fakePdu();
  const prefix = `bulk-${uid()}`;
  const [a, b] = seedHosts(fleet, prefix, 2, 40, { bmc: { driver: "command", command: pdu.name } });
  pdu.failFor(b!.name);
  await goto(page, `/hosts?q=${prefix}`);
  await page.getByLabel("Select all hosts on this page").check();
  const bar = page.getByRole("region", { name: "Bulk actions" });
  await bar.getByRole("button", { name: "Power" }).click();
  await page.getByRole("menuitem", { name: "Power cycle…" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm.getByRole("heading")).toHaveText("Power cycle 2 hosts?");
  await confirm.getByRole("button", { name: "Power cycle 2 hosts" }).click();

  const results = page.getByRole("dialog");
  await expect(results.getByTestId("bulk-power-summary")).toHaveText("2 hosts: 1 ok, 1 failed");
  const row = (host: string) => results.getByTestId("bulk-power-row").filter({ has: page.getByRole("link", { name: host, exact: true }) });
  await expect(row(a!.name).getByRole("cell")).toHaveText([a!.name, "ok", "—", `${a!.name} switched off and on`]);
  await expect(row(b!.name).getByRole("cell")).toHaveText([b!.name, "failed", "—", `${pdu.name} cycle failed (exit 1): outlet of ${b!.name} does not answer`]);
  expect(pdu.actions().sort()).toEqual([`${a!.name} cycle`, `${b!.name} cycle`].sort());

  // status of both: no confirmation, each host's state
  await results.getByRole("button", { name: "Close" }).click();
  await bar.getByRole("button", { name: "Power" }).click();
  await page.getByRole("menuitem", { name: "Status" }).click();
  await expect(results.getByTestId("bulk-power-summary")).toHaveText("2 hosts: 1 ok, 1 failed");
  await expect(row(a!.name).getByRole("cell").nth(2)).toHaveText("on");
});

test("a host without a BMC says how to set one", async ({ page }) => {
  const n = networkData("nobmc");
  const res = await page.request.post("/api/v1/networks", { data: { ...n, dns: n.dns.split(/[\s,]+/) } });
  expect(res.status()).toBe(201);
  const [host] = seedHosts({ ...fleet, network: n.name, base: n.subnet.replace(/\.0\/24$/, "") }, `nb-${uid()}`, 1, 50);
  await goto(page, `/hosts/${host!.name}`);
  const card = page.locator("#power");
  await expect(card.getByRole("heading", { name: "No BMC" })).toBeVisible();
  await expect(card.getByRole("link", { name: n.name })).toHaveAttribute("href", `/networks/${n.name}`);
  await expect(powerActions(page)).toHaveCount(0);
});

test.describe("viewer", () => {
  test.use({ storageState: storageState("viewer") });

  test("a viewer sees the power state and no power buttons", async ({ page }) => {
    const pdu = fakePdu();
    const [host] = seedHosts(fleet, `vw-${uid()}`, 1, 60, { bmc: { driver: "command", command: pdu.name } });
    await goto(page, `/hosts/${host!.name}`);
    await expect(powerState(page)).toHaveAttribute("data-state", "off");
    await expect(powerActions(page)).toHaveCount(0);
    await expect(page.locator("#power").getByRole("button", { name: /^(On|Off|Power cycle|Reset|PXE next boot)$/ })).toHaveCount(0);
    await reload(page);
    await expect(powerState(page)).toHaveAttribute("data-state", "off");
    expect(pdu.actions().every((a) => a.endsWith(" status"))).toBe(true);
  });
});
