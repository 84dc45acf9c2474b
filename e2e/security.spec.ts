import { expect, test, type Page } from "@playwright/test";
import { goto, storageState } from "./helpers";

// The pages' Content-Security-Policy (proxy.ts, lib/http/csp.ts): every page carries one with a
// fresh nonce, the console's own scripts run under it (the page hydrates), and nothing it does is
// refused by it.

/** Records every CSP violation of the page, from its first script on. */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  await page.exposeFunction("__cspViolation", (v: string) => void seen.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return seen;
}

function nonceOf(csp: string | undefined): string | undefined {
  return csp ? /'nonce-([^']+)'/.exec(csp)?.[1] : undefined;
}

test("signed out: /login has a CSP with a fresh nonce, hydrates and signs in under it", async ({ page }) => {
  const violations = await watchViolations(page);
  const first = await goto(page, "/login");
  const csp = first!.headers()["content-security-policy"];
  expect(csp).toContain("script-src 'self' 'nonce-");
  expect(csp).toContain("frame-ancestors 'none'");
  const again = await goto(page, "/login");
  expect(nonceOf(again!.headers()["content-security-policy"])).not.toBe(nonceOf(csp));
  // the nonce is on the page's inline scripts, never visible to a script-less observer otherwise
  expect(await page.locator(`script[nonce]`).count()).toBeGreaterThan(0);
  await page.getByLabel("Username").fill("nobody-csp");
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong username or password")).toBeVisible();
  expect(violations).toEqual([]);
});

test.describe("signed in", () => {
  test.use({ storageState: storageState("admin") });

  test("every main page loads and hydrates without a CSP violation", async ({ page }) => {
    const violations = await watchViolations(page);
    for (const url of ["/", "/hosts", "/boots", "/networks", "/cells", "/releases", "/publications", "/audit", "/settings"]) {
      const res = await goto(page, url);
      expect(nonceOf(res!.headers()["content-security-policy"]), url).toBeTruthy();
    }
    // client-side navigation and a dialog: scripts loaded later run too
    await goto(page, "/hosts");
    await page.getByRole("link", { name: "Networks" }).first().click();
    await expect(page).toHaveURL(/\/networks$/);
    expect(violations).toEqual([]);
  });
});
