import { expect, test } from "@playwright/test";
import { USERS, signIn, goto } from "./helpers";

// Signs in fresh (no saved state): signing out ends the session in the database, so the shared
// per-role states from setup.spec.ts must not be used here.

const NAV = ["Dashboard", "Hosts", "Cells", "Releases", "Rollouts", "Networks", "Boots", "Publications", "Audit log", "Users & settings"];

test("a wrong password and an unknown user get the same message, and stay on /login", async ({ page }) => {
  await signIn(page, USERS.operator.username, "not-the-password");
  const message = page.getByText("Wrong username or password");
  await expect(message).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
  // the username is kept, the password is not
  await expect(page.getByLabel("Username")).toHaveValue(USERS.operator.username);
  const wrongPasswordText = (await page.locator("form [role=status]").innerText()).trim();

  await signIn(page, "nobody-by-this-name", "not-the-password");
  await expect(page.getByText("Wrong username or password")).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
  // no hint whether the user exists: exactly the same text
  expect((await page.locator("form [role=status]").innerText()).trim()).toBe(wrongPasswordText);
  await expect(page.getByTestId("current-user")).toHaveCount(0);
});

test("a protected page sends to /login?next=…, and signing in returns there", async ({ page }) => {
  await goto(page, "/networks");
  await expect(page).toHaveURL(/\/login\?next=%2Fnetworks$/);
  await page.getByLabel("Username").fill(USERS.operator.username);
  await page.getByLabel("Password").fill(USERS.operator.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/networks$/);
  await expect(page.getByRole("heading", { level: 1, name: "Networks" })).toBeVisible();
});

test("sign in shows the console shell; sign out returns to /login and locks the pages again", async ({ page, context }) => {
  await signIn(page, USERS.admin.username, USERS.admin.password);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("current-user")).toHaveText(USERS.admin.username);
  await expect(page.getByTestId("current-role")).toHaveText("admin");
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const label of NAV) await expect(nav.getByRole("link", { name: label, exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect((await context.cookies()).find((c) => c.name === "afsboot_session")).toBeUndefined();

  for (const path of ["/", "/networks", "/cells", "/settings/users"]) {
    await goto(page, path);
    await expect(page).toHaveURL(/\/login(\?|$)/);
  }
  // the API refuses too
  expect((await page.request.get("/api/v1/me")).status()).toBe(401);
});

test("a session cookie that was signed out cannot be replayed", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, USERS.viewer.username, USERS.viewer.password);
  await expect(page.getByTestId("current-user")).toHaveText(USERS.viewer.username);
  const cookie = (await context.cookies()).find((c) => c.name === "afsboot_session");
  expect(cookie).toBeDefined();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  // put the old cookie back: the server ended that session, so it is worthless
  await context.addCookies([cookie!]);
  expect((await page.request.get("/api/v1/me")).status()).toBe(401);
  await goto(page, "/networks");
  await expect(page).toHaveURL(/\/login/);
  await context.close();
});

test("/settings sends each role to its own settings by an HTTP redirect; the menu item goes there too", async ({ browser }) => {
  for (const [role, target] of [
    ["admin", "/settings/users"],
    ["viewer", "/settings/account"],
  ] as const) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, USERS[role].username, USERS[role].password);
    await expect(page.getByTestId("current-user")).toHaveText(USERS[role].username);
    // a 307 from the server, not a page that reloads itself a second later (<meta http-equiv=refresh>)
    const res = await page.request.get("/settings", { maxRedirects: 0 });
    expect(res.status(), role).toBe(307);
    expect(new URL(res.headers()["location"]!, "http://x").pathname, role).toBe(target);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users & settings", exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`${target}$`));
    await expect(page.getByRole("heading", { level: 1, name: "Users & settings" })).toBeVisible();
    await context.close();
  }
});
