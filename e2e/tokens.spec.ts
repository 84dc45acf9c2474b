import { expect, test, type APIRequestContext } from "@playwright/test";
import { afsboot, networkData, storageState, uid, goto, reload } from "./helpers";

test.use({ storageState: storageState("admin") });

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

test("an admin creates an API token in the UI, scripts use it, and revoking it locks them out", async ({ page, playwright, baseURL }) => {
  const name = `ci-${uid()}`;
  await goto(page, "/settings/tokens");
  await page.getByLabel("Token name").fill(name);
  await page.getByLabel("Role", { exact: true }).selectOption("operator");
  await page.getByRole("button", { name: "Create token" }).click();
  const value = page.getByTestId("new-token-value");
  await expect(value).toBeVisible();
  const token = (await value.innerText()).trim();
  expect(token.length).toBeGreaterThanOrEqual(20);

  // a script: no cookies, only the token
  const api: APIRequestContext = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  try {
    expect((await api.get("/api/v1/me")).status()).toBe(401);
    const me = await api.get("/api/v1/me", { headers: bearer(token) });
    expect(me.status()).toBe(200);
    expect(await me.json()).toMatchObject({ type: "token", role: "operator" });
    const n = networkData("tok");
    const created = await api.post("/api/v1/networks", { headers: bearer(token), data: { ...n, dns: [n.dns.split(",")[0]!.trim()] } });
    expect(created.status()).toBe(201);

    // shown once: after a reload only the prefix is listed
    await reload(page);
    await expect(page.getByTestId("new-token-value")).toHaveCount(0);
    const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name, exact: true }) });
    await expect(row).toContainText("operator");
    await expect(row).not.toContainText(token);

    // revoke, after confirming
    await row.getByRole("button", { name: "Revoke" }).click();
    const dialog = page.getByRole("alertdialog");
    // the confirm dialog's verb is "Revoke" (older builds said "Delete")
    await expect(dialog.getByRole("heading", { name: new RegExp(`^(Revoke|Delete) token ${name}\\?$`) })).toBeVisible();
    await dialog.getByRole("button", { name: /^(Revoke|Delete)$/ }).click();
    await expect(dialog).toBeHidden();
    await expect(row.getByText("revoked")).toBeVisible();

    const after = await api.get("/api/v1/me", { headers: bearer(token) });
    expect(after.status()).toBe(401);
    expect((await api.post("/api/v1/networks", { headers: bearer(token), data: { ...networkData("tok2"), dns: ["10.0.0.1"] } })).status()).toBe(401);
  } finally {
    await api.dispose();
  }
});

test("a viewer token from the CLI reads but cannot write, and is listed in the UI", async ({ page, playwright, baseURL }) => {
  const name = `cli-${uid()}`;
  const token = afsboot(["token", "create", name, "--role", "viewer"]).trim();
  expect(token).toMatch(/^\S{20,}$/);

  const api = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  try {
    const me = await api.get("/api/v1/me", { headers: bearer(token) });
    expect(me.status()).toBe(200);
    expect(await me.json()).toMatchObject({ type: "token", role: "viewer" });
    expect((await api.get("/api/v1/networks", { headers: bearer(token) })).status()).toBe(200);
    const n = networkData("ro");
    expect((await api.post("/api/v1/networks", { headers: bearer(token), data: { ...n, dns: ["10.0.0.1"] } })).status()).toBe(403);
    expect((await api.get(`/api/v1/networks/${n.name}`, { headers: bearer(token) })).status()).toBe(404);
    // a made-up token is refused like a revoked one
    expect((await api.get("/api/v1/me", { headers: bearer(`${token}x`) })).status()).toBe(401);
  } finally {
    await api.dispose();
  }

  await goto(page, "/settings/tokens");
  const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name, exact: true }) });
  await expect(row).toContainText("viewer");
  await expect(row.getByRole("button", { name: "Revoke" })).toBeVisible();
});
