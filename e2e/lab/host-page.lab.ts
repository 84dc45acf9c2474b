import { expect, test } from "@playwright/test";

// After the lab's boot (scripts/lab/lab.sh): the host page shows that boot in its history, up,
// with a bar per stage from the first report to up, and the overlay it booted with.

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run this through scripts/lab/lab.sh`);
  return v;
};

test("the host page shows the lab boot: up, one bar per stage, the published overlay", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Username").fill(env("LAB_USER"));
  await page.getByLabel("Password", { exact: true }).fill(env("LAB_PASSWORD"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/login/);

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
