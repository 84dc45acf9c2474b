import fs from "node:fs";
import path from "node:path";
import { expect, request, test, type APIRequestContext, type Page } from "@playwright/test";
import { IMAGES, TMP, afsboot, captureActionCall, networkData, replayAction, storageState, uid, goto } from "./helpers";

// Publishing: preview with diffs, publish behind a confirmation, the publication's page, the
// history, the navigation's count of unpublished changes, a host's boot files with downloads,
// a version's overlay download, and a viewer who may look but not publish.

test.use({ storageState: storageState("operator") });
test.describe.configure({ mode: "serial" });

const hex = () =>
  Math.floor(Math.random() * 256)
    .toString(16)
    .padStart(2, "0");
const randomMac = () => ["02", hex(), hex(), hex(), hex(), hex()].join(":");
const macFile = (mac: string) => `01-${mac.replace(/:/g, "-")}`;

interface ReleaseView {
  name: string;
  tree: string;
  imagesDir: string | null;
  notes: string;
  revision: number;
  versions: { kernel: string; baseInitrd: string; status: string }[];
}

let api: APIRequestContext;
const fleet = { network: "", base: "", cell: "", release: "", first: "", second: { name: "", mac: "" } };

async function ok(res: Awaited<ReturnType<APIRequestContext["get"]>>, status = 200) {
  expect(res.status(), await res.text()).toBe(status);
  return res;
}

/** The cells of a release's hosts (the API lists hosts by release). */
async function hostCells(release: string): Promise<Set<string>> {
  const cells = new Set<string>();
  for (let page = 1; ; page++) {
    const list = (await (await ok(await api.get(`/api/v1/hosts?release=${encodeURIComponent(release)}&pageSize=500&page=${page}`))).json()) as {
      items: { cell: string }[];
      total: number;
      pageSize: number;
    };
    for (const h of list.items) cells.add(h.cell);
    if (page * list.pageSize >= list.total) return cells;
  }
}

/**
 * A full publication reads the kernel and base initrd of every active version, and builds each
 * host's overlay from a tree in the host's cell. Other journeys enroll releases whose trees exist
 * nowhere (or lie in another cell than their hosts): give those an images directory and a tree
 * in their hosts' cell, so that the fleet as a whole can be published.
 */
async function publishableFleet() {
  fs.mkdirSync(IMAGES, { recursive: true });
  for (let page = 1; ; page++) {
    const list = (await (await ok(await api.get(`/api/v1/releases?page=${page}`))).json()) as { items: { name: string }[]; total: number; pageSize: number };
    for (const { name } of list.items) {
      const r = (await (await ok(await api.get(`/api/v1/releases/${encodeURIComponent(name)}`))).json()) as ReleaseView;
      const names = r.versions.filter((v) => v.status === "active").flatMap((v) => [v.kernel, v.baseInitrd]);
      const dir = r.imagesDir ?? `${r.tree}/boot`;
      const readable = names.every((n) => fs.existsSync(path.join(dir, n)));
      const cells = [...(await hostCells(name))];
      const inCell = cells.every((c) => r.tree.startsWith(`/afs/${c}/`) || r.tree.startsWith(`/afs/.${c}/`));
      if (readable && inCell) continue;
      for (const n of names) {
        fs.mkdirSync(path.dirname(path.join(IMAGES, n)), { recursive: true });
        fs.writeFileSync(path.join(IMAGES, n), `${n}: made-up bytes for e2e\n`);
      }
      const tree = inCell || cells.length !== 1 ? r.tree : `/afs/${cells[0]}/boot/${name}`;
      await ok(
        await api.put(`/api/v1/releases/${encodeURIComponent(name)}`, { data: { name, tree, imagesDir: IMAGES, notes: r.notes, revision: r.revision } }),
      );
    }
    if (page * list.pageSize >= list.total) break;
  }
}

async function createHost(name: string, mac: string, octet: number) {
  await ok(await api.post("/api/v1/hosts", { data: { name, mac, ip: `${fleet.base}.${octet}`, cell: fleet.cell, release: fleet.release } }), 201);
}

test.beforeAll(async () => {
  const token = afsboot(["token", "create", `publish-e2e-${uid()}`, "--role", "operator"]).trim();
  api = await request.newContext({ baseURL: `http://127.0.0.1:${process.env.E2E_PORT ?? 3210}`, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const n = networkData("pub");
  await ok(await api.post("/api/v1/networks", { data: { ...n, dns: n.dns.split(/[\s,]+/) } }), 201);
  fleet.network = n.name;
  fleet.base = n.subnet.replace(/\.0\/24$/, "");
  fleet.cell = `pub-${uid()}.example.org`;
  await ok(
    await api.post("/api/v1/cells", {
      data: {
        name: fleet.cell,
        client: "kafs",
        bootRoot: `/afs/${fleet.cell}/boot`,
        cacheMemcache: true,
        cacheBlocks: 65536,
        servers: [{ name: `db.${fleet.cell}`, ip: "192.0.2.41" }],
      },
    }),
    201,
  );
  fleet.release = `pub-${uid()}`;
  await ok(
    await api.post("/api/v1/releases", {
      data: { name: fleet.release, tree: `/afs/${fleet.cell}/boot/${fleet.release}`, imagesDir: IMAGES, notes: "publish e2e" },
    }),
    201,
  );
  await ok(
    await api.post(`/api/v1/releases/${fleet.release}/versions?activate=true`, {
      data: { version: "1", kernel: "vmlinuz-pub", baseInitrd: "initrd-pub.img", modules: "e1000", readonly: "bin lib sbin usr", writable: "etc var" },
    }),
    201,
  );
  await publishableFleet();
  fleet.first = `pub-a-${uid()}`;
  await createHost(fleet.first, randomMac(), 10);
  // everything so far is published, so the preview below shows the second host's files only
  await ok(await api.post("/api/v1/publications", { data: {} }), 201);
  fleet.second = { name: `pub-b-${uid()}`, mac: randomMac() };
  await createHost(fleet.second.name, fleet.second.mac, 11);
});

test.afterAll(async () => {
  await api?.dispose();
});

const nav = (page: Page) => page.getByRole("navigation", { name: "Main" });
/** The row of a changed file (its path, exactly: other files' diffs may mention it). */
const fileRow = (page: Page, file: string) => page.getByRole("row").filter({ has: page.getByText(file, { exact: true }) });
const pendingBadge = (page: Page) => nav(page).getByRole("img", { name: /unpublished changes?$/ });

test("preview shows the new host's files with diffs; publishing asks first, then shows the publication", async ({ page }) => {
  await goto(page, "/publications");
  await expect(page.getByRole("heading", { level: 1, name: "Publications" })).toBeVisible();
  await expect(pendingBadge(page)).toHaveAccessibleName("1 unpublished change");
  await expect(pendingBadge(page)).toHaveText("1");
  await expect(page.getByTestId("pending-changes")).toContainText("1 change");
  await expect(page.getByText("none configured: put executables in")).toBeVisible();

  await page.getByRole("button", { name: "Preview changes" }).click();
  await expect(page.getByTestId("preview-summary")).toBeVisible({ timeout: 60_000 });
  const ipxe = `ipxe/${macFile(fleet.second.mac)}.ipxe`;
  const ipxeRow = fileRow(page, ipxe);
  await expect(ipxeRow.getByText("added")).toBeVisible();
  // the network's dhcpd.conf gains the host: its diff shows the new lines
  const dhcpdRow = fileRow(page, `dhcp/dhcpd-${fleet.network}.conf`);
  await expect(dhcpdRow.getByText("changed")).toBeVisible();
  await dhcpdRow.getByText(`dhcp/dhcpd-${fleet.network}.conf`, { exact: true }).click();
  await expect(dhcpdRow.getByText(`+  host ${fleet.second.name} {`)).toBeVisible();
  await expect(page.getByRole("list", { name: "Validator results" }).getByText("dhcpd", { exact: true })).toBeVisible();
  // the host beside its MAC-named files
  await expect(ipxeRow.getByRole("link", { name: fleet.second.name, exact: true })).toBeVisible();

  // the dry run is kept: its own page lists every file, filtered by host, file or MAC
  await page.getByRole("link", { name: /^Review all \d+ changed files?, with a filter by file or host$/ }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Dry run p[0-9a-f]+$/);
  const dryId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  await page.getByRole("searchbox", { name: "Search" }).fill(fleet.second.mac.toUpperCase());
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(fleet.second.mac.toUpperCase())}`));
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows).toHaveCount(3); // the header, the iPXE script, the PXELINUX config
  for (const file of [ipxe, `pxelinux.cfg/${macFile(fleet.second.mac)}`])
    await expect(fileRow(page, file).getByRole("link", { name: fleet.second.name, exact: true })).toBeVisible();
  await page.getByRole("searchbox", { name: "Search" }).fill("no-such-file");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByRole("heading", { name: "No file or host matches “no-such-file”" })).toBeVisible();
  // previews are not history: the publications list does not show it
  await goto(page, "/publications");
  await expect(page.getByRole("table")).toBeVisible();
  await expect(page.locator(`a[href="/publications/${dryId}"]`)).toHaveCount(0);
  await page.getByRole("button", { name: "Preview changes" }).click();
  await expect(page.getByTestId("preview-summary")).toBeVisible({ timeout: 60_000 });

  // a confirmation first; cancelling publishes nothing
  const publishButton = page.getByRole("button", { name: /^Publish \d+ changes?$/ });
  const count = Number(/\d+/.exec((await publishButton.textContent()) ?? "")![0]);
  await publishButton.click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog.getByRole("heading", { name: `Publish ${count} change${count === 1 ? "" : "s"}?` })).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(pendingBadge(page)).toHaveText("1");

  await publishButton.click();
  await dialog.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(page).toHaveURL(/\/publications\/[^/?]+/, { timeout: 60_000 });
  const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Publication ${id}`);
  await expect(page.getByText(`Published ${count} changed file${count === 1 ? "" : "s"}`)).toBeVisible();
  await expect(page.getByRole("main").getByText("succeeded", { exact: true })).toBeVisible();
  await expect(fileRow(page, ipxe)).toBeVisible();
  // nothing left to publish: the count beside Publications is gone
  await expect(pendingBadge(page)).toHaveCount(0);

  // the history lists it, newest first, and links to it
  await goto(page, "/publications");
  const first = page.getByRole("table").getByRole("row").nth(1);
  await expect(first).toContainText("succeeded");
  await expect(first).toContainText("e2e-operator");
  await expect(first).toContainText("full");
  await first.getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Publication ${id}`);
  await goto(page, "/publications?status=failed");
  await expect(page.locator(`a[href="/publications/${id}"]`)).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Failed" })).toHaveAttribute("aria-current", "page");
  // the preview now finds nothing
  await goto(page, "/publications");
  await page.getByRole("button", { name: "Preview changes" }).click();
  await expect(page.getByRole("heading", { name: "Nothing to publish" })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("button", { name: /^Publish \d+/ })).toHaveCount(0);
});

test("reboot pending says 'once published' only while something is unpublished", async ({ page }) => {
  // the first host (published above) last booted a version it is no longer assigned
  const token = afsboot(["host", "token", fleet.first]).trim();
  const mac = ((await (await ok(await api.get(`/api/v1/hosts/${fleet.first}`))).json()) as { mac: string }).mac;
  const report = { mac, bootId: `e2e-${uid()}`, token, releaseVersion: `${fleet.release}@0` };
  for (const stage of ["initrd", "up"]) {
    const res = await page.request.post("/api/v1/boot-events", { form: { ...report, stage } });
    expect([200, 202], await res.text()).toContain(res.status());
  }
  const pending = page.getByText(/^Reboot pending: /);

  // everything is published: a reboot is all it takes
  await goto(page, `/hosts/${fleet.first}`);
  await expect(pendingBadge(page)).toHaveCount(0);
  await expect(pending).toHaveText(
    `Reboot pending: the host runs ${fleet.release}@0 but is assigned ${fleet.release}@1. It picks up the assigned version at its next boot.`,
  );

  // a change waits for publication: the message says so
  await createHost(`pub-d-${uid()}`, randomMac(), 13);
  await goto(page, `/hosts/${fleet.first}`);
  await expect(pendingBadge(page)).toHaveText("1");
  await expect(pending).toHaveText(
    `Reboot pending: the host runs ${fleet.release}@0 but is assigned ${fleet.release}@1. It picks up the assigned version at its next boot, once the change is published.`,
  );

  // published again: nothing left for the tests that follow
  await ok(await api.post("/api/v1/publications", { data: {} }), 201);
  await goto(page, `/hosts/${fleet.first}`);
  await expect(pendingBadge(page)).toHaveCount(0);
});

test("a host's boot files: published, with the kernel command line and working downloads", async ({ page }) => {
  const { name, mac } = fleet.second;
  await goto(page, `/hosts/${name}`);
  await expect(page.getByRole("heading", { name: "Boot files" })).toBeVisible();
  await expect(page.getByTestId("kernel-cmdline")).toContainText(`afsboot.host=${name}`);
  const ipxe = page.getByTestId("boot-file-ipxe");
  await expect(ipxe.getByText("published", { exact: true })).toBeVisible();
  await expect(ipxe).toContainText(`ipxe/${macFile(mac)}.ipxe`);
  await expect(page.getByTestId("boot-file-dhcpd").getByText("published", { exact: true })).toBeVisible();
  await expect(page.getByText("yes: the host is assigned this overlay")).toBeVisible();

  // the link downloads the file, with the session cookie
  const link = page.getByTestId("boot-file-dhcpd").getByRole("link", { name: "Download ISC dhcpd host entry" });
  const href = await link.getAttribute("href");
  expect(href).toBe(`/api/v1/hosts/${name}/boot-files/dhcpd`);
  const res = await page.request.get(href!);
  expect(res.status()).toBe(200);
  expect(await res.text()).toContain(`host ${name} {`);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page
      .getByTestId("boot-file-ipxe")
      .getByRole("link", { name: /^Download/ })
      .click(),
  ]);
  expect(download.suggestedFilename()).toBe(`${macFile(mac)}.ipxe`);
  expect(fs.readFileSync((await download.path())!, "utf8")).toContain("#!ipxe");
});

test("a release version offers its overlay initrd per cell", async ({ page }) => {
  await goto(page, `/releases/${fleet.release}/versions/1`);
  await page.getByLabel("Cell", { exact: true }).selectOption(fleet.cell);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download overlay initrd" }).click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^${fleet.release}-1-${fleet.cell.replace(/\./g, "\\.")}-[0-9a-f]{16}\\.cpio\\.gz$`));
  const bytes = fs.readFileSync((await download.path())!);
  expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]); // gzip
});

test("a refused preview names every image it cannot read and links to each release's images directory", async ({ page }) => {
  const name = `noimg-${uid()}`;
  fs.mkdirSync(IMAGES, { recursive: true });
  await ok(await api.post("/api/v1/releases", { data: { name, tree: `/afs/${fleet.cell}/boot/${name}`, imagesDir: IMAGES, notes: "images not there" } }), 201);
  const version = {
    version: "1",
    kernel: `vmlinuz-${name}`,
    baseInitrd: `initrd-${name}.img`,
    modules: [],
    readonly: ["usr"],
    writable: ["etc"],
    tmpfsSize: "90M",
    notes: "",
  };
  await ok(await api.post(`/api/v1/releases/${name}/versions?activate=true`, { data: version }), 201);
  try {
    await goto(page, "/publications");
    await page.getByRole("button", { name: "Preview changes" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "Preview failed" });
    await expect(alert).toContainText("2 kernels or base initrds cannot be read", { timeout: 60_000 });
    await expect(alert).toContainText(`${name}@1 kernel: cannot read`);
    await expect(alert).toContainText(`${name}@1 base initrd: cannot read`);
    await alert.getByRole("link", { name: `Images directory of release ${name}` }).click();
    await expect(page).toHaveURL(new RegExp(`/releases/${name}#imagesDir$`));
    await expect(page.getByLabel("Images directory")).toHaveValue(IMAGES);
  } finally {
    // leave the fleet as it was: nothing unreadable, and nothing unpublished for the tests after
    await ok(await api.post(`/api/v1/releases/${name}/versions/1/retire`));
    await ok(await api.post("/api/v1/publications", { data: {} }), 201);
  }
});

test("two boot servers: each one's copy on the publication page, a failed rsync with its message, behind by N once it had a copy", async ({ page }) => {
  const url = `/api/v1/networks/${encodeURIComponent(fleet.network)}`;
  const original = (await (await ok(await api.get(url))).json()) as Record<string, unknown> & { revision: number };
  const put = async (changes: Record<string, unknown>) => {
    const now = (await (await ok(await api.get(url))).json()) as Record<string, unknown> & { revision: number };
    const fields = ["name", "subnet", "gateway", "dns", "domain", "bootServer", "reportUrl", "notes", "revision"];
    const data: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f, now[f]]));
    await ok(await api.put(url, { data: { ...data, ...changes } }));
  };
  const copies = path.join(TMP, `copies-${uid()}`);
  // boot-b's target lies under a regular file: rsync cannot make it and says why
  fs.mkdirSync(copies, { recursive: true });
  fs.writeFileSync(path.join(copies, "a-file"), "not a directory\n");
  const servers = (bTarget: string) => [
    { name: "boot-a", address: `${fleet.base}.2`, deliverTo: path.join(copies, "boot-a") },
    { name: "boot-b", address: `${fleet.base}.3`, deliverTo: bTarget },
  ];
  await put({ bootServer: undefined, bootServers: servers(path.join(copies, "a-file", "boot-b")), dhcpFailover: "hot-standby" });
  const first = ((await (await ok(await api.post("/api/v1/publications", { data: {} }), 201)).json()) as { publicationId: string }).publicationId;

  const serverRow = (name: string) => page.getByRole("row").filter({ has: page.getByRole("cell", { name, exact: true }) });
  await goto(page, `/publications/${encodeURIComponent(first)}`);
  await expect(page.getByRole("heading", { name: "Boot servers" })).toBeVisible();
  await expect(serverRow("boot-a")).toContainText("delivered");
  await expect(serverRow("boot-a")).toContainText("up to date");
  await expect(serverRow("boot-b")).toContainText("failed");
  await expect(serverRow("boot-b")).toContainText("Not a directory");
  await expect(serverRow("boot-b")).toContainText("no copy yet");
  // boot-a's copy is the publication's tree, switched in by its `current` link
  expect(fs.existsSync(path.join(copies, "boot-a", "current", "dhcp", "boot-a", `dhcpd-${fleet.network}.conf`))).toBe(true);

  // mended: the next publication catches boot-b up, and the first publication's page says so
  await put({ bootServer: undefined, bootServers: servers(path.join(copies, "boot-b")), dhcpFailover: "hot-standby" });
  const second = ((await (await ok(await api.post("/api/v1/publications", { data: {} }), 201)).json()) as { publicationId: string }).publicationId;
  await goto(page, `/publications/${encodeURIComponent(second)}`);
  for (const server of ["boot-a", "boot-b"]) {
    await expect(serverRow(server)).toContainText("delivered");
    await expect(serverRow(server)).toContainText("up to date");
  }
  await goto(page, `/publications/${encodeURIComponent(first)}`);
  await expect(serverRow("boot-b")).toContainText("failed");
  await expect(serverRow("boot-b")).toContainText("up to date");
  expect(fs.existsSync(path.join(copies, "boot-b", "current", "dhcp", "boot-b", `dhcpd-${fleet.network}.conf`))).toBe(true);

  // boot-b breaks after it had a copy (its snapshots directory is a file now): a new host reaches
  // boot-a only, and boot-b, still serving its old copy, is one publication behind
  const snapshots = path.join(copies, "boot-b", "snapshots");
  fs.renameSync(snapshots, `${snapshots}.away`);
  fs.writeFileSync(snapshots, "not a directory\n");
  await createHost(`pub-e-${uid()}`, randomMac(), 14);
  const third = ((await (await ok(await api.post("/api/v1/publications", { data: {} }), 201)).json()) as { publicationId: string }).publicationId;
  await goto(page, `/publications/${encodeURIComponent(third)}`);
  await expect(serverRow("boot-a")).toContainText("up to date");
  await expect(serverRow("boot-b")).toContainText("failed");
  await expect(serverRow("boot-b")).toContainText("behind by 1 publication");
  // the network's page says the same, with the failure's message
  await goto(page, `/networks/${encodeURIComponent(fleet.network)}`);
  await expect(serverRow("boot-a")).toContainText("up to date");
  await expect(serverRow("boot-b")).toContainText("behind by 1 publication");
  await expect(serverRow("boot-b")).toContainText("Not a directory");
  fs.rmSync(snapshots);
  fs.renameSync(`${snapshots}.away`, snapshots);

  // back to one boot server, published: nothing left for the tests that follow
  await put({ bootServer: original.bootServer, bootServers: [], dhcpFailover: null });
  await ok(await api.post("/api/v1/publications", { data: {} }), 201);
});

const publicationCount = async () => ((await (await ok(await api.get("/api/v1/publications"))).json()) as { total: number }).total;

test.describe("viewer", () => {
  test.use({ storageState: storageState("viewer") });

  test("sees the history read-only: no Preview or Publish", async ({ page }) => {
    await goto(page, "/publications");
    await expect(page.getByRole("heading", { level: 1, name: "Publications" })).toBeVisible();
    await expect(page.getByText("Previewing and publishing need the operator role")).toBeVisible();
    await expect(page.getByRole("button", { name: "Preview changes" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^Publish/ })).toHaveCount(0);
    await expect(page.getByRole("table").getByRole("row").nth(1)).toContainText("succeeded");
  });

  test("a forged publish server action by a viewer is refused and publishes nothing", async ({ page, browser, baseURL }) => {
    await createHost(`pub-c-${uid()}`, randomMac(), 12);
    // the operator's confirmed publish, captured on its way out (aborted: nothing is published)
    const operator = await browser.newContext({ storageState: storageState("operator") });
    const opPage = await operator.newPage();
    await goto(opPage, "/publications");
    await opPage.getByRole("button", { name: "Preview changes" }).click();
    const call = await captureActionCall(opPage, "**/publications", async () => {
      await opPage.getByRole("button", { name: /^Publish \d+ changes?$/ }).click({ timeout: 60_000 });
      await opPage.getByRole("alertdialog").getByRole("button", { name: "Publish", exact: true }).click();
    });
    await operator.close();
    const before = await publicationCount();

    // the viewer replays it with its own session
    const res = await replayAction(page, call, baseURL!);
    expect(res.text).toContain("This needs the operator role");
    expect(res.headers["x-action-redirect"]).toBeUndefined();
    expect(await publicationCount()).toBe(before);
    await goto(page, "/publications");
    await expect(pendingBadge(page)).toHaveAccessibleName("1 unpublished change");
  });
});
