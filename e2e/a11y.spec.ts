import AxeBuilder from "@axe-core/playwright";
import { expect, request, test, type Page } from "@playwright/test";
import { afsboot, field, storageState, goto, uid } from "./helpers";
import { createHostFleet, seedHosts } from "./hosts-fleet";
import { E2E_PORT } from "./run-env";

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

  test("a host page's Power card and BMC fields with a refusal have no serious accessibility violations", async ({ page }) => {
    const fleet = await createHostFleet("a11y");
    // a command that is not there: the card shows the BMC's failure in words
    const [host] = seedHosts(fleet, `a11y-${uid()}`, 1, 10, { bmc: { driver: "command", command: "not-there" } });
    await goto(page, `/hosts/${host!.name}`);
    await expect(page.getByTestId("power-state")).toHaveAttribute("data-state", "error");
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("combobox", { name: "Driver", exact: true }).selectOption("redfish");
    await field(page, "Address").fill("http://127.0.0.1:9");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.locator('[id="bmc.address-error"]')).toBeVisible();
    await page.getByRole("combobox", { name: "Certificate check (Redfish)" }).selectOption("true");
    await expect(page.getByTestId("bmc-insecure-warning")).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test("/rollouts, a rollout's page and the start form with field errors have no serious accessibility violations", async ({ page }) => {
    const fleet = await createHostFleet("a11y-ro");
    const tag = `a11y-${uid()}`;
    seedHosts(fleet, tag, 2, 20, { tags: tag });
    // a manual rollout (no BMC needed): whatever it comes to, its page shows the waves, settings and hosts
    const token = afsboot(["token", "create", `a11y-rollout-${uid()}`, "--role", "operator"]).trim();
    const api = await request.newContext({ baseURL: `http://127.0.0.1:${E2E_PORT}`, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
    const res = await api.post("/api/v1/rollouts", { data: { version: `${fleet.release}@2`, selector: { tags: [tag] }, canary: 1, wave: 1, mode: "manual" } });
    expect(res.status(), await res.text()).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await api.dispose();

    await goto(page, "/rollouts");
    await expect(page.getByRole("heading", { level: 1, name: "Rollouts" })).toBeVisible();
    await expect(page.locator(`[data-testid="rollout-row"][data-id="${id}"]`)).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);

    await goto(page, `/rollouts/${id}`);
    await expect(page.getByTestId("host-cell")).toHaveCount(2);
    expect(await seriousViolations(page)).toEqual([]);

    await goto(page, `/rollouts/new?version=${encodeURIComponent(`${fleet.release}@2`)}`);
    await field(page, "Wave size").fill("0");
    await page.getByRole("button", { name: "Preview" }).click();
    await expect(page.locator('[id="wave-error"]')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });
});
