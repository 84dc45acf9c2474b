import { defineConfig, devices } from "@playwright/test";

// The boot lab's browser check (scripts/lab/lab.sh runs it inside the lab's network namespace,
// against the lab's console): no web server of its own; LAB_URL, LAB_USER, LAB_PASSWORD,
// LAB_HOST and LAB_SCREENSHOT come from lab.sh. Not part of the e2e suite (*.lab.ts files).

process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = "1";

export default defineConfig({
  testDir: ".",
  testMatch: /\.lab\.ts$/,
  outputDir: "../../test-results/lab",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: process.env.LAB_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 1000 } } }],
});
