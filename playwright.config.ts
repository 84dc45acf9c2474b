import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { E2E_DATABASE_URL, E2E_DIR, E2E_IMAGES, E2E_PORT, E2E_POWER_DIR } from "./e2e/run-env";

// End-to-end suite: a production build (`npx next build`, run beforehand: the webServer never
// builds) served on 127.0.0.1:<E2E_PORT> against a fresh SQLite database in e2e/.tmp/<port>.
// Browsers cannot be downloaded here: Debian's chromium is used (apt-get install -y chromium).

const PORT = E2E_PORT;
const BASE_URL = `http://127.0.0.1:${PORT}`;
const DATABASE_URL = E2E_DATABASE_URL;
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = "1";

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  // A test's budget, not a synchronisation: every step waits for an observable state. The longest
  // journeys (a release from draft to deletion, ~60 steps) take 20 s here and 3 times that on a
  // busy machine.
  timeout: 120_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  projects: [
    // first-run setup, the other users and their signed-in states (e2e/.tmp/<port>/*.json)
    { name: "setup", testMatch: /setup\.spec\.ts$/, use: { ...devices["Desktop Chrome"] } },
    {
      name: "chromium",
      testIgnore: /setup\.spec\.ts$/,
      dependencies: ["setup"],
      use: { ...devices["Desktop Chrome"] },
    },
  ],
  webServer: {
    // fresh database every run; serves the existing production build (never builds)
    command: `rm -rf ${E2E_DIR} ${E2E_IMAGES} && node scripts/migrate.mjs deploy --quiet && node bin/afsboot-server.mjs -H 127.0.0.1 -p ${PORT}`,
    url: `${BASE_URL}/api/health`,
    env: {
      DATABASE_URL,
      AFSBOOT_DATA_DIR: `./${E2E_DIR}`,
      AFSBOOT_IMAGES_ROOTS: path.resolve(E2E_IMAGES),
      AFSBOOT_LOADER_ROOTS: path.resolve(E2E_IMAGES),
      AFSBOOT_POWER_DIR: path.resolve(E2E_POWER_DIR),
      NEXT_TELEMETRY_DISABLED: "1",
    },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
