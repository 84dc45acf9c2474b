import { expect, test } from "@playwright/test";
import { USERS, afsboot, signIn, storageState, goto } from "./helpers";

// Runs first (project "setup"; every other spec depends on it) against the fresh database:
// the first-run page, then the operator (CLI) and viewer (Users page), and one signed-in
// browser state per role for the other specs.

test.describe.configure({ mode: "serial" });

test("first run: /login sends to /setup, which creates the first admin and signs in", async ({ page }) => {
  await goto(page, "/login");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByText("Create the first admin")).toBeVisible();

  // a mismatched repeat is refused, nothing is created
  await page.getByLabel("Username").fill(USERS.admin.username);
  await page.getByLabel("Password", { exact: true }).fill(USERS.admin.password);
  await page.getByLabel("Repeat password").fill(`${USERS.admin.password}-typo`);
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(page.getByText("Passwords do not match")).toBeVisible();
  await expect(page).toHaveURL(/\/setup$/);

  await page.getByLabel("Password", { exact: true }).fill(USERS.admin.password);
  await page.getByLabel("Repeat password").fill(USERS.admin.password);
  await page.getByRole("button", { name: "Create admin and sign in" }).click();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("current-user")).toHaveText(USERS.admin.username);
  await expect(page.getByTestId("current-role")).toHaveText("admin");
  await page.context().storageState({ path: storageState("admin") });
});

test("after the first admin exists, /setup redirects to /login", async ({ browser }) => {
  const context = await browser.newContext(); // signed out
  const page = await context.newPage();
  await goto(page, "/setup");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await context.close();
});

test("an operator is added with the CLI", async () => {
  const out = afsboot(["user", "add", USERS.operator.username, "--role", "operator"], `${USERS.operator.password}\n`);
  expect(out).toContain(`created user ${USERS.operator.username} (operator)`);
});

test("a viewer is added on the Users page", async ({ browser }) => {
  const context = await browser.newContext({ storageState: storageState("admin") });
  const page = await context.newPage();
  await goto(page, "/settings/users");
  await page.getByLabel("Username").fill(USERS.viewer.username);
  await page.getByLabel("Initial password").fill(USERS.viewer.password);
  await page.getByLabel("Role", { exact: true }).selectOption("viewer");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByText(`Created user ${USERS.viewer.username} (viewer)`)).toBeVisible();
  const row = page.getByRole("row").filter({ hasText: USERS.viewer.username });
  await expect(row.getByLabel(`Role of ${USERS.viewer.username}`)).toHaveValue("viewer");
  await expect(page.getByRole("row").filter({ hasText: USERS.operator.username }).getByLabel(`Role of ${USERS.operator.username}`)).toHaveValue("operator");
  await context.close();
});

for (const role of ["operator", "viewer"] as const) {
  test(`the ${role} signs in; the session is saved for the other specs`, async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, USERS[role].username, USERS[role].password);
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByTestId("current-user")).toHaveText(USERS[role].username);
    await expect(page.getByTestId("current-role")).toHaveText(role);
    await context.storageState({ path: storageState(role) });
    await context.close();
  });
}
