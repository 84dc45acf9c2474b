import { expect, test, type Browser, type Page } from "@playwright/test";
import { afsboot, goto, signIn, storageState, uid } from "./helpers";

// Passwords: a user changes their own (the current one proves it; their other sessions end, this
// one stays), an admin sets another user's (that user is signed out everywhere). Each test makes
// its own user with the CLI.

function newUser(password: string): string {
  const name = `pw-${uid()}`;
  expect(afsboot(["user", "add", name, "--role", "viewer"], `${password}\n`)).toContain(`created user ${name} (viewer)`);
  return name;
}

async function signedIn(browser: Browser, username: string, password: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, username, password);
  await expect(page.getByTestId("current-user")).toHaveText(username);
  return page;
}

/** The old password is refused at sign-in, the new one signs in. */
async function onlyNewPasswordSignsIn(page: Page, username: string, old: string, next: string) {
  await signIn(page, username, old);
  await expect(page.getByText("Wrong username or password")).toBeVisible();
  await signIn(page, username, next);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("current-user")).toHaveText(username);
}

async function fillChange(page: Page, current: string, next: string, repeat = next) {
  await page.getByLabel("Current password").fill(current);
  await page.getByLabel("New password", { exact: true }).fill(next);
  await page.getByLabel("Repeat new password").fill(repeat);
  await page.getByRole("button", { name: "Change password" }).click();
}

test("a user changes their own password: bad input is refused at the field; other sessions end, this one stays", async ({ browser }) => {
  const name = newUser("first-password-e2e");
  const here = await signedIn(browser, name, "first-password-e2e");
  const elsewhere = await signedIn(browser, name, "first-password-e2e");

  // the user name in the header leads to the account page
  await here.getByTestId("current-user").click();
  await expect(here).toHaveURL(/\/settings\/account$/);
  await expect(here.getByRole("heading", { name: "Change password" })).toBeVisible();

  await fillChange(here, "not-my-password", "second-password-e2e");
  await expect(here.locator("#currentPassword-error")).toHaveText("Wrong password: your password was not changed");
  await expect(here.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");
  await fillChange(here, "first-password-e2e", "short");
  await expect(here.locator("#newPassword-error")).toHaveText("Password must be at least 10 characters");
  await fillChange(here, "first-password-e2e", "second-password-e2e", "second-password-e2f");
  await expect(here.locator("#confirm-error")).toHaveText("Passwords do not match");
  // nothing changed: the other session still works
  await goto(elsewhere, "/hosts");
  await expect(elsewhere).toHaveURL(/\/hosts$/);

  await fillChange(here, "first-password-e2e", "second-password-e2e");
  await expect(here.getByText("Password changed. Your 1 other session was signed out.")).toBeVisible();
  await expect(here.getByLabel("Current password")).toHaveValue("");

  // this session stays, the other one is over
  await goto(here, "/settings/account");
  await expect(here.getByTestId("current-user")).toHaveText(name);
  await goto(elsewhere, "/hosts");
  await expect(elsewhere).toHaveURL(/\/login/);

  await onlyNewPasswordSignsIn(elsewhere, name, "first-password-e2e", "second-password-e2e");

  // audited, the refused try too, and never a password
  await goto(here, `/audit?q=${name}`);
  for (const action of ["user.password_failed", "user.password"]) await expect(here.getByRole("cell", { name: action, exact: true })).toHaveCount(1);
  await expect(here.getByText("second-password-e2e")).toHaveCount(0);
  await here.context().close();
  await elsewhere.context().close();
});

test("an admin resets a user's password: the user is signed out everywhere and signs in with the new one", async ({ browser }) => {
  const name = newUser("first-password-e2e");
  const user = await signedIn(browser, name, "first-password-e2e");

  const admin = await (await browser.newContext({ storageState: storageState("admin") })).newPage();
  await goto(admin, "/settings/users");
  // one's own row offers the account page instead (it asks for the current password)
  await expect(
    admin
      .getByRole("row")
      .filter({ has: admin.getByText("(you)") })
      .getByRole("link", { name: "Change your password" }),
  ).toBeVisible();
  await admin.getByRole("button", { name: `Reset password of ${name}` }).click();
  const dialog = admin.getByRole("dialog", { name: `Reset the password of ${name}` });
  await dialog.getByLabel("New password", { exact: true }).fill("set-by-admin-e2e");
  await dialog.getByLabel("Repeat new password").fill("set-by-admin-e2f");
  await dialog.getByRole("button", { name: "Set new password" }).click();
  await expect(dialog.locator("#confirm-error")).toHaveText("Passwords do not match");
  await dialog.getByLabel("New password", { exact: true }).fill("set-by-admin-e2e");
  await dialog.getByLabel("Repeat new password").fill("set-by-admin-e2e");
  await dialog.getByRole("button", { name: "Set new password" }).click();
  await expect(admin.getByText(`New password set for ${name}; 1 session signed out`)).toBeVisible();
  await expect(dialog).toBeHidden();

  // the user's session is over
  await goto(user, "/hosts");
  await expect(user).toHaveURL(/\/login/);
  await onlyNewPasswordSignsIn(user, name, "first-password-e2e", "set-by-admin-e2e");

  await goto(admin, `/audit?q=${name}`);
  await expect(admin.getByRole("cell", { name: "user.password_reset", exact: true })).toHaveCount(1);
  await admin.context().close();
  await user.context().close();
});

test("afsboot user passwd: the new password signs in, the old one does not", async ({ page }) => {
  const name = newUser("first-password-e2e");
  expect(afsboot(["user", "passwd", name], "set-by-cli-e2e\n")).toContain(`changed the password of ${name}; 0 sessions ended`);
  await onlyNewPasswordSignsIn(page, name, "first-password-e2e", "set-by-cli-e2e");
});
