import { expect, test, type Page } from "@playwright/test";

// After the lab's boots (scripts/lab/lab.sh): the host pages show them in their histories, up,
// with a bar per stage from the first report to up, and the overlay they booted with.

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run this through scripts/lab/lab.sh`);
  return v;
};

async function signIn(page: Page) {
  await page.goto("/login");
  await page.getByLabel("Username").fill(env("LAB_USER"));
  await page.getByLabel("Password", { exact: true }).fill(env("LAB_PASSWORD"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

test("the host page shows the lab boot: up, one bar per stage, the published overlay", async ({ page }) => {
  await signIn(page);
  const host = env("LAB_HOST");
  await page.goto(`/hosts/${host}`);
  const history = page.locator("#boot-history");
  await expect(history.getByRole("heading", { name: "Boot history" })).toBeVisible();
  const boot = history.getByTestId("boot-row").first();
  await expect(boot.getByTestId("boot-outcome")).toHaveText("up");
  const bars = boot.getByTestId("stage-bar");
  for (const stage of ["initrd", "network", "afs", "root", "switch", "up"])
    await expect(boot.locator(`[data-testid="stage-bar"][data-stage="${stage}"]`)).toHaveCount(1);
  await expect(boot.locator("[data-failed]")).toHaveCount(0);
  expect(await bars.count()).toBeGreaterThanOrEqual(6);
  await expect(boot.getByTestId("boot-overlay")).toHaveText(/^[0-9a-f]{12}$/);
  // the boot as an admin sees it: the host's last boot, then its history with the timeline
  await history.screenshot({ path: env("LAB_SCREENSHOT") });
});

test("the Debian host's boot ends with the shutdown its systemd reported, and its page shows its machine id", async ({ page }) => {
  const host = process.env.LAB_SD_HOST;
  test.skip(!host, "the lab ran no case with the Debian tree");
  await signIn(page);
  await page.goto(`/hosts/${host}`);
  const boot = page.locator("#boot-history").getByTestId("boot-row").first();
  for (const stage of ["switch", "up", "shutdown"]) await expect(boot.locator(`[data-testid="stage-bar"][data-stage="${stage}"]`)).toHaveCount(1);
  await expect(boot.locator("[data-failed]")).toHaveCount(0);
  await expect(page.getByTestId("machine-id")).toHaveText(env("LAB_SD_MACHINE_ID"));
});
