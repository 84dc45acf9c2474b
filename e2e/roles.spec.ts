import { expect, test, type Browser, type BrowserContext } from "@playwright/test";
import { apiNames, apiStatus, captureActionCall, fillNetworkForm, networkData, replayAction, storageState, uid, goto, type NetworkData } from "./helpers";

// What a viewer may not do: no mutation controls in the UI, no admin pages, and no way around
// the UI by calling a server action directly.

test.use({ storageState: storageState("viewer") });

const apiNetwork = (n: NetworkData) => ({ ...n, dns: n.dns.split(/[\s,]+/).filter(Boolean) });

async function asRole(browser: Browser, role: "operator" | "admin"): Promise<BrowserContext> {
  return browser.newContext({ storageState: storageState(role) });
}

test("a viewer sees networks read-only: no New, Save or Delete", async ({ page, browser }) => {
  const n = networkData("ro");
  const operator = await asRole(browser, "operator");
  expect((await operator.request.post("/api/v1/networks", { data: apiNetwork(n) })).status()).toBe(201);
  await operator.close();

  await goto(page, "/networks");
  await expect(page.getByTestId("current-role")).toHaveText("viewer");
  await expect(page.getByRole("heading", { level: 1, name: "Networks" })).toBeVisible();
  await expect(page.getByRole("link", { name: n.name, exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "New network" })).toHaveCount(0);

  await page.getByRole("link", { name: n.name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Network ${n.name}`);
  const main = page.getByRole("main");
  await expect(main.getByText(n.subnet, { exact: true })).toBeVisible();
  await expect(main.getByText(n.gateway, { exact: true })).toBeVisible();
  await expect(main.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await expect(main.getByRole("button", { name: "Save changes" })).toHaveCount(0);
  await expect(main.getByRole("textbox")).toHaveCount(0);

  // the create page itself is refused
  await goto(page, "/networks/new");
  await expect(page).toHaveURL(/\/forbidden$/);
  await expect(page.getByText("Your role does not allow this page")).toBeVisible();
});

test("a viewer sees cells read-only: no New, Save or Delete", async ({ page, browser }) => {
  const name = `ro-${uid()}.example.org`;
  const operator = await asRole(browser, "operator");
  const res = await operator.request.post("/api/v1/cells", {
    data: { name, client: "kafs", bootRoot: `/afs/${name}/boot`, cacheMemcache: true, cacheBlocks: 65536, servers: [{ name: `db.${name}`, ip: "192.0.2.21" }] },
  });
  expect(res.status()).toBe(201);
  await operator.close();

  // the list is paged and other specs add cells: look it up, as a person with many would
  await goto(page, `/cells?q=${encodeURIComponent(name)}`);
  await expect(page.getByRole("link", { name, exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "New cell" })).toHaveCount(0);

  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Cell ${name}`);
  const main = page.getByRole("main");
  await expect(main.getByText(`db.${name} 192.0.2.21`)).toBeVisible();
  await expect(main.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await expect(main.getByRole("button", { name: "Save changes" })).toHaveCount(0);
  await expect(main.getByRole("button", { name: "Add server" })).toHaveCount(0);
  await expect(main.getByRole("textbox")).toHaveCount(0);

  await goto(page, "/cells/new");
  await expect(page).toHaveURL(/\/forbidden$/);
});

test("a viewer gets /forbidden for the admin pages, and 403 from mutating API calls", async ({ page }) => {
  for (const path of ["/settings/users", "/settings/tokens", "/hosts/new"]) {
    // an HTTP redirect, before anything is streamed: no page that reloads itself a second later
    const res = await page.request.get(path, { maxRedirects: 0 });
    expect(res.status(), path).toBe(307);
    expect(res.headers()["location"], path).toMatch(/\/forbidden$/);
  }
  for (const path of ["/settings/users", "/settings/tokens"]) {
    await goto(page, path);
    await expect(page).toHaveURL(/\/forbidden$/);
    await expect(page.getByText("Your role does not allow this page")).toBeVisible();
    await expect(page.getByRole("button", { name: "Add user" })).toHaveCount(0);
  }
  const n = networkData("api");
  const res = await page.request.post("/api/v1/networks", { data: apiNetwork(n) });
  expect(res.status()).toBe(403);
  expect(await apiStatus(page.request, "networks", n.name)).toBe(404);
});

// --- forged server-action calls --------------------------------------------------------------

/** The action ids Next renders into a page's forms (progressive enhancement: `$ACTION_n:0`). */
function actionIdsInHtml(html: string): string[] {
  const ids: string[] = [];
  for (const m of html.matchAll(/name="\$ACTION_\d+:0" value="([^"]*)"/g)) {
    const json = m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, "&");
    ids.push((JSON.parse(json) as { id: string }).id);
  }
  return ids;
}

test("a forged create-network server action by a viewer is refused and creates nothing", async ({ page, browser, baseURL }) => {
  const n = networkData("forged");

  // An operator's browser shows the form: note the action id Next renders into it, and capture the
  // call its submit makes (aborted: the operator does not create anything).
  const operator = await asRole(browser, "operator");
  const opPage = await operator.newPage();
  const html = await (await operator.request.get("/networks/new")).text();
  const idsInHtml = actionIdsInHtml(html);
  expect(idsInHtml.length).toBeGreaterThan(0);
  await goto(opPage, "/networks/new");
  const call = await captureActionCall(opPage, "**/networks/new", async () => {
    await fillNetworkForm(opPage, n);
    await opPage.getByRole("button", { name: "Create network" }).click();
  });
  expect(idsInHtml).toContain(call.actionId);
  expect(call.body.toString("utf8")).toContain(n.name);
  expect(await apiStatus(operator.request, "networks", n.name)).toBe(404);

  // The viewer replays exactly that call with its own session.
  await goto(page, "/networks");
  await expect(page.getByTestId("current-role")).toHaveText("viewer");
  const refused = await replayAction(page, call, baseURL!);
  expect(refused.status).toBe(200);
  expect(refused.text).toContain("This needs the operator role");
  expect(refused.text).toContain('"ok":false');
  expect(refused.headers["x-action-redirect"]).toBeUndefined();

  // nothing was created
  expect(await apiStatus(page.request, "networks", n.name)).toBe(404);
  expect(await apiNames(page.request, "networks", n.name)).toEqual([]);
  await goto(page, "/networks");
  await expect(page.getByRole("link", { name: n.name, exact: true })).toHaveCount(0);

  // Control: the very same request with the operator's session does create the network, so the
  // refusal above is the role check, not a malformed replay.
  const accepted = await replayAction(opPage, call, baseURL!);
  expect(accepted.text).not.toContain("This needs the operator role");
  expect(await apiStatus(operator.request, "networks", n.name)).toBe(200);
  await operator.close();
});

test("a forged delete-network server action by a viewer is refused and deletes nothing", async ({ page, browser, baseURL }) => {
  const n = networkData("keep");
  const operator = await asRole(browser, "operator");
  expect((await operator.request.post("/api/v1/networks", { data: apiNetwork(n) })).status()).toBe(201);

  // capture the operator's confirmed delete (aborted, so the network stays)
  const opPage = await operator.newPage();
  await goto(opPage, `/networks/${n.name}`);
  const call = await captureActionCall(opPage, `**/networks/${n.name}`, async () => {
    await opPage.getByRole("button", { name: "Delete", exact: true }).click();
    await opPage.getByRole("alertdialog").getByRole("button", { name: "Delete", exact: true }).click();
  });
  await operator.close();
  expect(await apiStatus(page.request, "networks", n.name)).toBe(200);

  const refused = await replayAction(page, call, baseURL!);
  expect(refused.text).toContain("This needs the operator role");
  expect(await apiStatus(page.request, "networks", n.name)).toBe(200);
  await goto(page, `/networks/${n.name}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Network ${n.name}`);
});
