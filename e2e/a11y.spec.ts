import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { storageState, goto } from "./helpers";

// Smoke check: no serious or critical axe violations (WCAG 2.x A/AA rules) on key pages.

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}

test.describe("signed out", () => {
  test("/login has no serious accessibility violations", async ({ page }) => {
    await goto(page, "/login");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);

    // also with the error message shown
    await page.getByLabel("Username").fill("nobody-a11y");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("Wrong username or password")).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });
});

test.describe("signed in", () => {
  test.use({ storageState: storageState("operator") });

  test("/networks has no serious accessibility violations", async ({ page }) => {
    await goto(page, "/networks");
    await expect(page.getByRole("heading", { level: 1, name: "Networks" })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test("/networks/new with field errors has no serious accessibility violations", async ({ page }) => {
    await goto(page, "/networks/new");
    await page.getByRole("button", { name: "Create network" }).click();
    await expect(page.locator("#name-error")).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });
});
