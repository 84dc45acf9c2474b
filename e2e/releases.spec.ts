import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { field, networkData, storageState, uid, goto, reload } from "./helpers";

test.use({ storageState: storageState("operator") });

interface ReleaseData {
  name: string;
  tree: string;
}

/** Version form values by field label; only the given ones are filled. */
const VERSION_FIELDS = {
  version: "Version",
  kernel: "Kernel",
  baseInitrd: "Base initrd",
  modules: "Modules",
  readonly: "Read-only directories",
  writable: "Writable directories",
  tmpfsSize: "tmpfs size",
  notes: "Notes",
} as const;
type VersionData = Partial<Record<keyof typeof VERSION_FIELDS, string>> & { version: string };

const releaseData = (prefix = "rel"): ReleaseData => {
  const name = `${prefix}-${uid()}`;
  return { name, tree: `/afs/example.org/boot/e2e/${name}` };
};

const V1 = { version: "1", kernel: "vmlinuz-2.4.20-20.7", baseInitrd: "initrd-2.4.20-20.7.img", modules: "e1000" };

async function fillVersionForm(page: Page, v: Partial<VersionData>) {
  for (const [key, label] of Object.entries(VERSION_FIELDS)) {
    const value = v[key as keyof VersionData];
    if (value !== undefined) await field(page, label).fill(value);
  }
}

async function createReleaseViaUi(page: Page, r: ReleaseData) {
  await goto(page, "/releases/new");
  await field(page, "Name").fill(r.name);
  await field(page, "Tree").fill(r.tree);
  await page.getByRole("button", { name: "Create release" }).click();
  await expect(page).toHaveURL(new RegExp(`/releases/${r.name}(\\?|$)`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Release ${r.name}`);
}

async function addVersionViaUi(page: Page, r: ReleaseData, v: VersionData) {
  await goto(page, `/releases/${r.name}/versions/new`);
  await fillVersionForm(page, v);
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(new RegExp(`/releases/${r.name}/versions/${v.version}(\\?|$)`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Version ${r.name}@${v.version}`);
}

/** Activates a draft with its Activate button in `scope` (a row, or the version's page), confirming the dialog. */
async function activate(page: Page, scope: Page | ReturnType<Page["locator"]>) {
  await scope.getByRole("button", { name: "Activate" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("Activate version");
  await confirm.getByRole("button", { name: "Activate", exact: true }).click();
  await expect(confirm).toHaveCount(0);
}

/**
 * A cell of its own and a release in it with version 1 active (hosts boot trees of their own
 * cell, so a release that hosts use lives in theirs): through the API and the UI.
 */
async function activeReleaseInOwnCell(page: Page, prefix: string, dbServerIp: string) {
  const cell = `c-${uid()}.example.org`;
  const cellBody = {
    name: cell,
    client: "kafs",
    bootRoot: `/afs/${cell}/boot`,
    cacheMemcache: true,
    cacheBlocks: 65536,
    servers: [{ name: `db.${cell}`, ip: dbServerIp }],
  };
  expect((await page.request.post("/api/v1/cells", { data: cellBody })).status()).toBe(201);
  const base = releaseData(prefix);
  const r = { ...base, tree: `/afs/${cell}/boot/e2e/${base.name}` };
  await createReleaseViaUi(page, r);
  await addVersionViaUi(page, r, V1);
  await activate(page, page);
  return { cell, r };
}

/** The row of a version in the release page's versions table. */
const versionRow = (page: Page, version: string) => page.getByRole("row").filter({ has: page.getByRole("link", { name: version, exact: true }) });

/** Serious axe violations of the page, toasts left out (mid fade-in they measure as low contrast). */
async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).exclude("[data-sonner-toaster]").withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}

test("release journey: draft, edit, activate (then immutable), new version from it, retire, delete", async ({ page }) => {
  const r = releaseData();
  await createReleaseViaUi(page, r);
  await expect(page.getByText(`Saved release ${r.name}`)).toBeVisible();
  await expect(page.getByText("No versions yet")).toBeVisible();

  // listed, with no version yet
  await goto(page, `/releases?q=${r.name}`);
  const listRow = page.getByRole("row").filter({ has: page.getByRole("link", { name: r.name, exact: true }) });
  await expect(listRow).toContainText(r.tree);
  await expect(listRow).toContainText("none yet");

  // a draft version: the label is suggested, the usual directory layout prefilled
  await listRow.getByRole("link", { name: r.name, exact: true }).click();
  await page.getByRole("link", { name: "New version" }).click();
  await expect(field(page, "Version")).toHaveValue("1");
  await expect(field(page, "Read-only directories")).toHaveValue("bin, lib, sbin, usr, opt, var/lib/rpm");
  await fillVersionForm(page, V1);
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(new RegExp(`/releases/${r.name}/versions/1(\\?|$)`));
  await expect(page.getByText(`Saved version ${r.name}@1`)).toBeVisible();

  // edit the draft
  await fillVersionForm(page, { modules: "e1000 tg3", tmpfsSize: "90M", notes: "edited by e2e" });
  await page.getByRole("button", { name: "Save changes" }).click();
  // the create's toast says the same and may still be on screen: the saved revision shows the save
  await expect(page.locator('input[name="revision"]')).toHaveValue("2");
  await expect(page.getByText(`Saved version ${r.name}@1`).last()).toBeVisible();
  await reload(page);
  await expect(field(page, "Modules")).toHaveValue("e1000, tg3");
  await expect(field(page, "tmpfs size")).toHaveValue("90M");

  // a second tab keeps the draft's edit form open (it goes stale once the version is activated)
  const stale = await page.context().newPage();
  await goto(stale, `/releases/${r.name}/versions/1`);
  await expect(field(stale, "Kernel")).toHaveValue(V1.kernel);

  // activate from the release page
  await goto(page, `/releases/${r.name}`);
  const row1 = versionRow(page, "1");
  await expect(row1).toContainText("draft");
  await expect(row1).toContainText("90M");
  await activate(page, row1);
  await expect(page.getByText(`Activated ${r.name}@1`)).toBeVisible();
  await expect(row1).toContainText("active");
  await expect(row1).toContainText("latest");
  await expect(row1.getByRole("button", { name: "Activate" })).toHaveCount(0);
  await expect(row1.getByRole("link", { name: "Edit" })).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);

  // the active version is read-only: no form, a note saying why
  await row1.getByRole("link", { name: "1", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Version ${r.name}@1`);
  const main = page.getByRole("main");
  await expect(main.getByRole("note")).toContainText(`Version ${r.name}@1 is active and immutable`);
  await expect(main.getByRole("textbox")).toHaveCount(0);
  await expect(main.getByRole("button", { name: "Save changes" })).toHaveCount(0);
  await expect(main.getByText("e1000, tg3", { exact: true })).toBeVisible();

  // the stale form's save is refused with the immutable message, and changes nothing
  await fillVersionForm(stale, { kernel: "vmlinuz-sneaky", notes: "changed after activation" });
  await stale.getByRole("button", { name: "Save changes" }).click();
  await expect(stale.getByText(`Version ${r.name}@1 is active and cannot change: make a new version from it instead`)).toBeVisible();
  await stale.close();
  await reload(page);
  await expect(main.getByText(`${V1.kernel} (in ${r.tree}/boot)`, { exact: true })).toBeVisible();
  await expect(main.getByText("edited by e2e", { exact: true })).toBeVisible();

  // "new version from this one": asks the label, opens the draft copy
  await page.getByRole("button", { name: "New version from this one" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("heading", { name: `New version from ${r.name}@1` })).toBeVisible();
  await expect(field(page, "New version")).toHaveValue("2");
  await dialog.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(new RegExp(`/releases/${r.name}/versions/2(\\?|$)`));
  await expect(page.getByText(`Saved version ${r.name}@2`)).toBeVisible();
  await expect(field(page, "Kernel")).toHaveValue(V1.kernel);
  await expect(field(page, "Modules")).toHaveValue("e1000, tg3");
  await expect(field(page, "tmpfs size")).toHaveValue("90M");

  // retire version 1 (asks first)
  await goto(page, `/releases/${r.name}`);
  await versionRow(page, "1").getByRole("button", { name: "Retire" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm.getByRole("heading", { name: `Retire version ${r.name}@1?` })).toBeVisible();
  await confirm.getByRole("button", { name: "Retire", exact: true }).click();
  await expect(page.getByText(`Retired ${r.name}@1`)).toBeVisible();
  await expect(versionRow(page, "1")).toContainText("retired");
  await expect(versionRow(page, "1")).not.toContainText("latest");
  await expect(versionRow(page, "2")).toContainText("draft");

  // delete the draft from its page, then the release
  await versionRow(page, "2").getByRole("link", { name: "2", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Version ${r.name}@2`);
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(confirm.getByRole("heading", { name: `Delete draft ${r.name}@2?` })).toBeVisible();
  await confirm.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/releases/${r.name}$`));
  await expect(page.getByText(`Deleted draft ${r.name}@2`)).toBeVisible();
  await expect(versionRow(page, "2")).toHaveCount(0);
  await page.getByRole("button", { name: "Delete release" }).click();
  await expect(confirm.getByRole("heading", { name: `Delete release ${r.name}?` })).toBeVisible();
  await confirm.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(page).toHaveURL(/\/releases$/);
  await expect(page.getByText(`Deleted release ${r.name}`)).toBeVisible();

  // the audit log has every change, and the refused edit is not among them
  await goto(page, `/audit?q=${r.name}`);
  const counts: [string, number][] = [
    ["release.create", 1],
    ["version.create", 2],
    ["version.update", 1],
    ["version.activate", 1],
    ["version.retire", 1],
    ["version.delete", 1],
    ["release.delete", 1],
  ];
  for (const [action, n] of counts) await expect(page.getByRole("cell", { name: action, exact: true })).toHaveCount(n);
});

test("a bad tree path is refused at the Tree field, and nothing is saved", async ({ page }) => {
  const r = releaseData("bad");
  const cases: [string, string][] = [
    ["/srv/boot/RH/7.3", "Tree must be a path under /afs/, like /afs/example.org/boot/RH/7.3"],
    ["/afs/example.org/boot/../etc", "Tree must not contain '..'"],
    ["/afs/example.org/boot/RH 7.3", "Tree must not contain whitespace"],
  ];
  await goto(page, "/releases/new");
  for (const [tree, message] of cases) {
    await field(page, "Name").fill(r.name);
    await field(page, "Tree").fill(tree);
    await page.getByRole("button", { name: "Create release" }).click();
    const treeBlock = page.locator('[data-slot="field"]').filter({ has: field(page, "Tree") });
    await expect(treeBlock.getByText(message)).toBeVisible();
    await expect(field(page, "Tree")).toHaveAttribute("aria-invalid", "true");
    await expect(field(page, "Tree")).toHaveAttribute("aria-describedby", /tree-error/);
    await expect(field(page, "Tree")).toHaveValue(tree);
    await expect(field(page, "Name")).toHaveValue(r.name);
    await expect(page).toHaveURL(/\/releases\/new$/);
  }

  await goto(page, `/releases?q=${r.name}`);
  await expect(page.getByText(`No release matches “${r.name}”`)).toBeVisible();
  await goto(page, `/audit?q=${r.name}`);
  await expect(page.getByText(`Nothing matches “${r.name}”`)).toBeVisible();
});

test("a duplicate version label and a bad tmpfs size are refused at the field; nothing is saved", async ({ page }) => {
  const r = releaseData("dupv");
  await createReleaseViaUi(page, r);
  await addVersionViaUi(page, r, V1);

  // the same label again
  await goto(page, `/releases/${r.name}/versions/new`);
  await fillVersionForm(page, { ...V1, version: "1", kernel: "vmlinuz-other" });
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page.locator("#version-error")).toHaveText(/(This|That) version is already taken/);
  await expect(field(page, "Version")).toHaveAttribute("aria-invalid", "true");
  await expect(field(page, "Kernel")).toHaveValue("vmlinuz-other");
  await expect(page).toHaveURL(/\/versions\/new$/);

  // a tmpfs size mount(8) would not take
  await fillVersionForm(page, { version: "2", tmpfsSize: "lots" });
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page.locator("#tmpfsSize-error")).toHaveText("tmpfs size must be like 256M, 2G or 50%");
  await expect(field(page, "tmpfs size")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#version-error")).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);

  // "new version from this one" with a label already taken: refused in the dialog
  await goto(page, `/releases/${r.name}`);
  await versionRow(page, "1").getByRole("button", { name: "New version from this one" }).click();
  await field(page, "New version").fill("1");
  await page.getByRole("dialog").getByRole("button", { name: "Create draft" }).click();
  await expect(page.locator("#newVersion-error")).toHaveText(/(This|That) version is already taken/);
  await page.keyboard.press("Escape");

  // still one version, unchanged
  await reload(page);
  await expect(page.getByRole("row")).toHaveCount(2); // header + version 1
  await expect(versionRow(page, "1")).toContainText(V1.kernel);
  await expect(versionRow(page, "1")).toContainText("256M");
  await goto(page, `/audit?q=${r.name}`);
  await expect(page.getByRole("cell", { name: "version.create", exact: true })).toHaveCount(1);
});

test("a version pinned by a host cannot be retired, nor its release deleted: the dialog says why", async ({ page }) => {
  const { cell, r } = await activeReleaseInOwnCell(page, "used", "192.0.2.31");
  await expect(page.getByRole("main").getByRole("note")).toContainText("is active and immutable");

  // a host pinned to r@1 (network, cell and host through the API)
  const n = networkData("usednet");
  expect((await page.request.post("/api/v1/networks", { data: { ...n, dns: n.dns.split(/[\s,]+/).filter(Boolean) } })).status()).toBe(201);
  const mac = `52:54:00:${[0, 0, 0]
    .map(() =>
      Math.floor(Math.random() * 256)
        .toString(16)
        .padStart(2, "0"),
    )
    .join(":")}`;
  const host = { name: `h-${uid()}`, mac, ip: n.gateway.replace(/\.1$/, ".20"), cell, release: `${r.name}@1` };
  const created = await page.request.post("/api/v1/hosts", { data: host });
  expect(created.status(), await created.text()).toBe(201);

  await goto(page, `/releases/${r.name}`);
  const row = versionRow(page, "1");
  const cells = row.getByRole("cell");
  // the columns by their headers (the table may gain columns)
  await expect(row).toBeVisible();
  const headers = (await page.getByRole("table").filter({ has: row }).getByRole("columnheader").allTextContents()).map((t) => t.trim());
  await expect(cells.nth(headers.indexOf("Assigned"))).toHaveText("1");
  await expect(cells.nth(headers.indexOf("Pinned"))).toHaveText("1");

  const confirm = page.getByRole("alertdialog");
  await row.getByRole("button", { name: "Retire" }).click();
  await expect(confirm).toContainText("1 host(s) are pinned to this version");
  await confirm.getByRole("button", { name: "Retire", exact: true }).click();
  await expect(confirm.getByText(`Version ${r.name}@1 is pinned by 1 host(s): assign them another version first`)).toBeVisible();
  await confirm.getByRole("button", { name: "Cancel" }).click();

  await page.getByRole("button", { name: "Delete release" }).click();
  await expect(confirm).toContainText("1 host(s) still use this release");
  await confirm.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(confirm.getByText(`Release ${r.name} is assigned to 1 host(s): assign them another release first`)).toBeVisible();
  await confirm.getByRole("button", { name: "Cancel" }).click();

  // both still there, unchanged
  await reload(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Release ${r.name}`);
  await expect(versionRow(page, "1")).toContainText("active");
});

test("activating and retiring say how many following hosts move, and refuse when that changed meanwhile", async ({ page }) => {
  const { cell, r } = await activeReleaseInOwnCell(page, "moves", "192.0.2.32");
  const n = networkData("movesnet");
  expect((await page.request.post("/api/v1/networks", { data: { ...n, dns: n.dns.split(/[\s,]+/).filter(Boolean) } })).status()).toBe(201);
  const addHost = async (i: number, release: string) => {
    const mac = `52:54:01:${[0, 0, 0]
      .map(() =>
        Math.floor(Math.random() * 256)
          .toString(16)
          .padStart(2, "0"),
      )
      .join(":")}`;
    const res = await page.request.post("/api/v1/hosts", { data: { name: `mv-${uid()}`, mac, ip: n.gateway.replace(/\.1$/, `.${20 + i}`), cell, release } });
    expect(res.status(), await res.text()).toBe(201);
  };
  for (const i of [1, 2, 3]) await addHost(i, r.name); // following the latest version
  await addHost(4, `${r.name}@1`); // pinned: never moves
  await addVersionViaUi(page, r, { ...V1, version: "2" });

  await goto(page, `/releases/${r.name}`);
  const confirm = page.getByRole("alertdialog");
  await versionRow(page, "2").getByRole("button", { name: "Activate" }).click();
  await expect(confirm).toContainText(`3 hosts that follow ${r.name}'s latest version move from @1 to @2 at the next publication`);
  // someone enrols another follower while the dialog is open: what was confirmed is no longer true
  await addHost(5, r.name);
  await confirm.getByRole("button", { name: "Activate", exact: true }).click();
  await expect(confirm.getByText("4 host(s) would move now, not 3 as confirmed")).toBeVisible();
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await reload(page);
  await expect(versionRow(page, "2")).toContainText("draft");

  await versionRow(page, "2").getByRole("button", { name: "Activate" }).click();
  await expect(confirm).toContainText(`4 hosts that follow ${r.name}'s latest version move from @1 to @2`);
  await confirm.getByRole("button", { name: "Activate", exact: true }).click();
  await expect(page.getByText(`Activated ${r.name}@2; 4 following host(s) move to @2 at the next publication`)).toBeVisible();
  await expect(versionRow(page, "2")).toContainText("latest");

  // retiring the latest hands them back to @1; retiring @1 then would move nobody (it is not the latest)
  await versionRow(page, "2").getByRole("button", { name: "Retire" }).click();
  await expect(confirm).toContainText(`4 hosts that follow ${r.name}'s latest version move from @2 back to @1 at the next publication`);
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await versionRow(page, "1").getByRole("button", { name: "Retire" }).click();
  await expect(confirm).toContainText("1 host(s) are pinned to this version");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await versionRow(page, "2").getByRole("button", { name: "Retire" }).click();
  await confirm.getByRole("button", { name: "Retire", exact: true }).click();
  await expect(page.getByText(`Retired ${r.name}@2; 4 following host(s) move to @1 at the next publication`)).toBeVisible();
  await expect(versionRow(page, "1")).toContainText("latest");
});

test.describe("as a viewer", () => {
  test.use({ storageState: storageState("viewer") });

  test("a viewer sees releases and versions read-only: no mutation controls", async ({ page, browser }) => {
    const r = releaseData("ro");
    const operator = await browser.newContext({ storageState: storageState("operator") });
    const op = await operator.newPage();
    await createReleaseViaUi(op, r);
    await addVersionViaUi(op, r, V1);
    await goto(op, `/releases/${r.name}`);
    await activate(op, versionRow(op, "1"));
    await expect(versionRow(op, "1")).toContainText("active");
    await addVersionViaUi(op, r, { ...V1, version: "2" });
    await operator.close();

    await goto(page, "/releases");
    await expect(page.getByTestId("current-role")).toHaveText("viewer");
    await expect(page.getByRole("link", { name: r.name, exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: "New release" })).toHaveCount(0);

    await page.getByRole("link", { name: r.name, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Release ${r.name}`);
    const main = page.getByRole("main");
    await expect(versionRow(page, "1")).toContainText("active");
    await expect(versionRow(page, "2")).toContainText("draft");
    await expect(main.getByText(r.tree, { exact: true })).toBeVisible();
    await expect(main.getByRole("button")).toHaveCount(0);
    await expect(main.getByRole("textbox")).toHaveCount(0);
    await expect(main.getByRole("link", { name: /New version|Edit/ })).toHaveCount(0);

    for (const version of ["1", "2"]) {
      await goto(page, `/releases/${r.name}/versions/${version}`);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Version ${r.name}@${version}`);
      await expect(main.getByText(`${V1.kernel} (in ${r.tree}/boot)`, { exact: true })).toBeVisible();
      await expect(main.getByRole("button")).toHaveCount(0);
      await expect(main.getByRole("textbox")).toHaveCount(0);
    }

    for (const path of ["/releases/new", `/releases/${r.name}/versions/new`]) {
      await goto(page, path);
      await expect(page).toHaveURL(/\/forbidden$/);
    }
  });
});
