import { expect, test, type Page } from "@playwright/test";
import { field, storageState, uid, goto, reload } from "./helpers";
import { createHostFleet, fixture, hex, randomMac, seedHosts as seed, type HostFleet } from "./hosts-fleet";

// Hosts: enrollment, refusals at the field, bulk actions, reboot pending, concurrent edits,
// read-only viewers, and a table view that lives in the URL.

test.use({ storageState: storageState("operator") });

let fleet: HostFleet;

test.beforeAll(async () => {
  fleet = await createHostFleet("hosts");
});

const seedHosts = (prefix: string, count: number, first: number, extra: Record<string, unknown> = {}) => seed(fleet, prefix, count, first, extra);

async function fillHostForm(page: Page, h: { name: string; mac: string; ip?: string }) {
  await field(page, "Hostname").fill(h.name);
  await field(page, "MAC address").fill(h.mac);
  await page.getByRole("combobox", { name: "Network", exact: true }).selectOption(fleet.network);
  if (h.ip) await field(page, "IP address").fill(h.ip);
  await page.getByRole("combobox", { name: "Cell", exact: true }).selectOption(fleet.cell);
  await page.getByRole("combobox", { name: "Release", exact: true }).selectOption(fleet.release);
}

const hostLinks = (page: Page) => page.locator("table tbody").getByRole("link");

test("enroll one host: the MAC is normalised, the network offers the next free address", async ({ page }) => {
  const name = `enr-${uid()}`;
  const hexes = Array.from({ length: 5 }, hex);
  const typed = ["02", ...hexes].join("-").toUpperCase();
  await goto(page, "/hosts/new");
  await fillHostForm(page, { name, mac: typed });
  await expect(field(page, "IP address")).toHaveValue(new RegExp(`^${fleet.base.replace(/\./g, "\\.")}\\.\\d+$`));
  await expect(page.getByText(/Next free address in /)).toBeVisible();
  await field(page, "Tags").fill("render, gpu");
  await page.getByText("Overrides").click();
  await field(page, "NIC module").fill("e1000");
  await page.getByRole("button", { name: "Enroll host" }).click();

  await expect(page).toHaveURL(new RegExp(`/hosts/${name}$`));
  await expect(page.getByText(`Saved host ${name}`)).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Host ${name}`);
  await expect(field(page, "MAC address")).toHaveValue(["02", ...hexes].join(":"));
  await expect(field(page, "Tags")).toHaveValue("gpu render");
  await expect(page.getByTestId("assigned-version")).toContainText(`${fleet.release}@2`);
  await expect(page.getByTestId("booted-version")).toHaveText("never booted");
  // the console made the host's /etc/machine-id at enrollment
  await expect(page.getByTestId("machine-id")).toHaveText(/^[0-9a-f]{32}$/);
  await expect(page.getByRole("heading", { name: "Boot history" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "host.create", exact: true })).toBeVisible();

  // ?mac= prefills the form (the Unknown hosts page links here)
  await goto(page, "/hosts/new?mac=52:54:00:aa:bb:cc");
  await expect(field(page, "MAC address")).toHaveValue("52:54:00:aa:bb:cc");
});

test("empty or invalid MAC, IP outside every network and duplicate MAC are refused at the field; nothing is saved", async ({ page }) => {
  const [existing] = seedHosts(`dup-${uid()}`, 1, 200);
  const name = `bad-${uid()}`;
  const cases: [{ mac: string; ip: string }, string, RegExp][] = [
    [{ mac: "", ip: `${fleet.base}.203` }, "mac", /^MAC is required$/],
    [{ mac: "zz:zz:zz:zz:zz:zz", ip: `${fleet.base}.201` }, "mac", /is not a MAC address/],
    [{ mac: randomMac(), ip: "192.0.2.77" }, "ip", /IP 192\.0\.2\.77 lies outside every network/],
    [{ mac: existing!.mac.toUpperCase(), ip: `${fleet.base}.202` }, "mac", new RegExp(`MAC ${existing!.mac} is already used by host ${existing!.name}`)],
  ];
  for (const [input, key, message] of cases) {
    await goto(page, "/hosts/new");
    await fillHostForm(page, { name, ...input });
    await page.getByRole("button", { name: "Enroll host" }).click();
    await expect(page.locator(`#${key}-error`)).toHaveText(message);
    await expect(page.locator(`#${key}`)).toHaveAttribute("aria-invalid", "true");
    await expect(page).toHaveURL(/\/hosts\/new$/);
    await expect(field(page, "Hostname")).toHaveValue(name); // the form keeps what was typed
  }
  await goto(page, `/hosts?q=${name}`);
  await expect(page.getByText("No host matches")).toBeVisible();
  await goto(page, `/hosts/${name}`);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});

/**
 * Holds every look-up of a next free address until the test lets it through: `requested(n)` resolves
 * once the n-th look-up (1, 2, …) reached the browser's network layer, `answer(n, how)` lets it go
 * on to the server ("continue") or answers it with `ip` itself.
 */
async function holdNextFreeLookups(page: Page) {
  const held: { arrived: () => void; arrival: Promise<void>; release: (how: { ip?: string }) => void; released: Promise<{ ip?: string }> }[] = [];
  const slot = (n: number) => {
    while (held.length < n) {
      let arrived!: () => void;
      let release!: (how: { ip?: string }) => void;
      const arrival = new Promise<void>((r) => (arrived = r));
      const released = new Promise<{ ip?: string }>((r) => (release = r));
      held.push({ arrived, arrival, release, released });
    }
    return held[n - 1]!;
  };
  let count = 0;
  await page.route("**/next-free-ip", async (route) => {
    const me = slot(++count);
    me.arrived();
    const how = await me.released;
    if (how.ip) await route.fulfill({ json: { network: fleet.network, ip: how.ip } });
    else await route.continue();
  });
  return {
    requested: (n: number) => slot(n).arrival,
    answer: (n: number, how: { ip?: string } = {}) => slot(n).release(how),
  };
}

test("a late next free address never overwrites or extends the IP a person typed", async ({ page }) => {
  const lookups = await holdNextFreeLookups(page);
  await goto(page, "/hosts/new");
  const network = page.getByRole("combobox", { name: "Network", exact: true });
  const ip = field(page, "IP address");
  const status = page.getByText(/^Next free address in /);
  const fromServer = new RegExp(`^Next free address in ${fleet.network}: ${fleet.base.replace(/\./g, "\\.")}\\.\\d+$`);

  // the network is picked and its look-up is slow: the person types the IP meanwhile
  await network.selectOption(fleet.network);
  await lookups.requested(1);
  await ip.fill("192.0.2.77");
  lookups.answer(1); // the server's own answer
  await expect(status).toHaveText(fromServer); // the answer arrived, and is shown
  await expect(ip).toHaveValue("192.0.2.77");

  // the answer arrives once the person is in the (empty) field, about to type: nothing is written
  // under the caret (typing would extend the suggestion: "10.x.y.6192.0.2.77")
  await network.selectOption("");
  await ip.fill("");
  await network.selectOption(fleet.network);
  await lookups.requested(2);
  await ip.focus();
  lookups.answer(2);
  await expect(status).toHaveText(fromServer);
  await expect(ip).toHaveValue("");
  await ip.pressSequentially("192.0.2.78");
  await expect(ip).toHaveValue("192.0.2.78");

  // "Use next free address" overwrites the field, but not once the person typed after pressing it
  await page.getByRole("button", { name: "Use next free address" }).click();
  await lookups.requested(3);
  await ip.fill(`${fleet.base}.99`);
  lookups.answer(3, { ip: `${fleet.base}.250` });
  await expect(status).toHaveText(`Next free address in ${fleet.network}: ${fleet.base}.250`);
  await expect(ip).toHaveValue(`${fleet.base}.99`);
});

test("the IP field's placeholder is an address of the chosen network", async ({ page }) => {
  await goto(page, "/hosts/new");
  await page.getByRole("combobox", { name: "Network", exact: true }).selectOption(fleet.network);
  await expect(field(page, "IP address")).toHaveAttribute("placeholder", `${fleet.base}.11`);
});

test("the next free address fills an IP field nobody typed in, and the button fills it in any case", async ({ page }) => {
  await goto(page, "/hosts/new");
  const ip = field(page, "IP address");
  const status = page.getByText(/^Next free address in /);
  await page.getByRole("combobox", { name: "Network", exact: true }).selectOption(fleet.network);
  await expect(status).toBeVisible();
  const suggested = /: (\S+)$/.exec(await status.innerText())![1]!;
  expect(suggested).toMatch(new RegExp(`^${fleet.base.replace(/\./g, "\\.")}\\.\\d+$`));
  await expect(ip).toHaveValue(suggested);

  // the person types another address; pressing the button asks for the suggestion again
  await ip.fill("192.0.2.78");
  await page.getByRole("button", { name: "Use next free address" }).click();
  await expect(ip).toHaveValue(suggested);
});

test("bulk: assign a pinned release to selected hosts, tag all matching across pages, delete after confirming", async ({ page }) => {
  const prefix = `blk-${uid()}`;
  const tag = `t${uid()}`;
  seedHosts(prefix, 30, 10, { tags: [tag] });

  await goto(page, `/hosts?tag=${tag}&size=25`);
  await expect(hostLinks(page)).toHaveCount(25);
  await page.getByLabel(`Select ${prefix}-01`).check();
  await page.getByLabel(`Select ${prefix}-02`).check();
  const bar = page.getByRole("region", { name: "Bulk actions" });
  await expect(bar.getByTestId("selection-count")).toHaveText("2 hosts selected");
  await bar.getByLabel("Release to assign").selectOption(`${fleet.release}@1`);
  await bar.getByRole("button", { name: "Assign release" }).click();
  await expect(page.getByText(`Assigned ${fleet.release}@1 to 2 hosts`)).toBeVisible();
  const row = (n: number) => page.getByRole("row").filter({ has: page.getByRole("link", { name: `${prefix}-${String(n).padStart(2, "0")}`, exact: true }) });
  await expect(row(1)).toContainText(`${fleet.release}@1`);
  await expect(row(2)).toContainText(`${fleet.release}@1`);
  await expect(row(3)).not.toContainText(`${fleet.release}@1`);
  await expect(bar).toBeHidden(); // the selection is cleared after an action

  // select the page, then all 30 matching (5 are on page 2)
  await page.getByLabel("Select all hosts on this page").check();
  await expect(bar.getByTestId("selection-count")).toHaveText("25 hosts selected");
  await bar.getByRole("button", { name: "Select all 30 matching" }).click();
  await expect(bar.getByTestId("selection-count")).toHaveText("30 hosts selected (25 on this page)");
  await bar.getByLabel("Tags to add or remove").fill("bulk-e2e");
  await bar.getByRole("button", { name: "Add tags" }).click();
  await expect(page.getByText(`Added bulk-e2e to 30 hosts`)).toBeVisible();
  await goto(page, `/hosts?tag=${tag}&size=25&page=2`);
  await expect(hostLinks(page)).toHaveCount(5);
  await expect(row(30)).toContainText("bulk-e2e");

  // a refused bulk action says why and changes nothing
  await page.getByLabel(`Select ${prefix}-30`).check();
  await bar.getByLabel("Tags to add or remove").fill("Not A Tag");
  await bar.getByRole("button", { name: "Add tags" }).click();
  await expect(page.getByText(/Tags use lower-case letters/).first()).toBeVisible();
  await expect(bar.getByTestId("selection-count")).toHaveText("1 host selected");

  // delete: the dialog names the count; Cancel keeps them
  await goto(page, `/hosts?tag=${tag}&size=25`);
  await page.getByLabel("Select all hosts on this page").check();
  await bar.getByRole("button", { name: "Select all 30 matching" }).click();
  // the 30 names come from the server: wait for them before acting on the selection
  await expect(bar.getByTestId("selection-count")).toHaveText("30 hosts selected (25 on this page)");
  await bar.getByRole("button", { name: "Delete…" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog.getByRole("heading", { name: "Delete 30 hosts?" })).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(hostLinks(page)).toHaveCount(25);
  await bar.getByRole("button", { name: "Delete…" }).click();
  await dialog.getByRole("button", { name: "Delete 30 hosts" }).click();
  await expect(page.getByText("Deleted 30 hosts")).toBeVisible();
  await expect(page.getByText("No host matches")).toBeVisible();
});

test("a host whose last boot ran another version shows reboot pending", async ({ page }) => {
  const [stale, current] = seedHosts(`rbt-${uid()}`, 2, 100);
  fixture("boot", stale!.name, "1");
  fixture("boot", current!.name, "2");

  await goto(page, `/hosts/${stale!.name}`);
  await expect(page.getByTestId("assigned-version")).toContainText(`${fleet.release}@2`);
  await expect(page.getByTestId("booted-version")).toHaveText(`${fleet.release}@1`);
  await expect(page.getByTestId("reboot-pending")).toBeVisible();
  await expect(page.getByTestId("boot-state")).toHaveText("up");

  await goto(page, `/hosts/${current!.name}`);
  await expect(page.getByTestId("booted-version")).toHaveText(`${fleet.release}@2`);
  await expect(page.getByTestId("reboot-pending")).toHaveCount(0);

  await goto(page, `/hosts?q=${stale!.name.slice(0, -3)}`);
  const row = (n: string) => page.getByRole("row").filter({ has: page.getByRole("link", { name: n, exact: true }) });
  await expect(row(stale!.name).getByTestId("reboot-pending")).toBeVisible();
  await expect(row(current!.name).getByTestId("reboot-pending")).toHaveCount(0);
});

test("concurrent edit: the second save of the same host is refused with 'changed by someone else'", async ({ page, context }) => {
  const [h] = seedHosts(`cc-${uid()}`, 1, 150);
  const other = await context.newPage();
  await goto(page, `/hosts/${h!.name}`);
  await goto(other, `/hosts/${h!.name}`);

  await field(page, "Notes").fill("first editor");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(`Saved host ${h!.name}`)).toBeVisible();

  await field(other, "Notes").fill("second editor");
  await other.getByRole("button", { name: "Save changes" }).click();
  await expect(other.getByText(/changed by someone else/)).toBeVisible();

  await reload(page);
  await expect(field(page, "Notes")).toHaveValue("first editor");
  await other.close();
});

test.describe("viewer", () => {
  test.use({ storageState: storageState("viewer") });

  test("sees hosts read-only: no enroll links, checkboxes, bulk actions, form or delete", async ({ page }) => {
    const [h] = seedHosts(`vw-${uid()}`, 1, 160);
    await goto(page, `/hosts?q=${h!.name}`);
    await expect(page.getByRole("link", { name: h!.name, exact: true })).toBeVisible();
    for (const label of ["Enroll host", "Import CSV", "Add range", "Unknown hosts"]) await expect(page.getByRole("link", { name: label })).toHaveCount(0);
    await expect(page.getByRole("checkbox")).toHaveCount(0);

    await page.getByRole("link", { name: h!.name, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Host ${h!.name}`);
    const main = page.getByRole("main");
    await expect(main.getByText(h!.mac, { exact: true })).toBeVisible();
    await expect(main.getByText(/^[0-9a-f]{32}$/)).toBeVisible(); // its machine id
    await expect(main.getByRole("button", { name: "Delete" })).toHaveCount(0);
    await expect(main.getByRole("button", { name: "Save changes" })).toHaveCount(0);
    await expect(main.getByRole("textbox")).toHaveCount(0);

    await goto(page, "/hosts/new");
    await expect(page).toHaveURL(/\/forbidden$/);
  });
});

test("search, filters, sort and page live in the URL", async ({ page }) => {
  const prefix = `url-${uid()}`;
  seedHosts(prefix, 30, 40);
  await goto(page, "/hosts");
  await page.getByRole("searchbox", { name: "Search hosts" }).fill(prefix);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]q=${prefix}`));
  await page.getByRole("combobox", { name: "Per page", exact: true }).selectOption("25");
  await expect(page).toHaveURL(/size=25/);
  await expect(hostLinks(page)).toHaveCount(25);
  await expect(hostLinks(page).first()).toHaveText(`${prefix}-01`);

  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(hostLinks(page)).toHaveCount(5);

  // a filter goes back to page 1
  await page.getByRole("combobox", { name: "Cell", exact: true }).selectOption(fleet.cell);
  await expect(page).toHaveURL(new RegExp(`cell=${fleet.cell.replace(/\./g, "\\.")}`));
  expect(new URL(page.url()).searchParams.get("page")).toBeNull();

  // sort by hostname, descending (the first click on the current sort column flips it)
  await page.getByRole("link", { name: "Hostname" }).click();
  await expect(page).toHaveURL(/sort=name&dir=desc|dir=desc.*sort=name/);
  await expect(hostLinks(page).first()).toHaveText(`${prefix}-30`);

  // the whole view comes back from the URL alone
  const url = page.url();
  const fresh = await page.context().newPage();
  await goto(fresh, url);
  await expect(fresh.getByRole("searchbox", { name: "Search hosts" })).toHaveValue(prefix);
  await expect(fresh.getByRole("combobox", { name: "Cell", exact: true })).toHaveValue(fleet.cell);
  await expect(fresh.getByRole("combobox", { name: "Per page", exact: true })).toHaveValue("25");
  await expect(hostLinks(fresh).first()).toHaveText(`${prefix}-30`);
  await expect(fresh.getByRole("columnheader", { name: "Hostname" })).toHaveAttribute("aria-sort", "descending");
  await fresh.close();

  await goto(page, `/hosts?q=${prefix}&state=never&sort=ip&dir=asc`);
  await expect(hostLinks(page).first()).toHaveText(`${prefix}-01`);
  await goto(page, `/hosts?q=${prefix}&state=up`);
  await expect(page.getByText("No host matches")).toBeVisible();
});
