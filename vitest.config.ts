import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // the data layer is marked server-only; tests run it directly in Node
      "server-only": path.resolve(import.meta.dirname, "lib/testing/server-only.ts"),
    },
  },
  test: {
    include: ["lib/**/*.test.ts", "app/**/*.test.ts", "components/**/*.test.ts", "scripts/**/*.test.ts"],
    environment: "node",
    pool: "forks", // native addons (better-sqlite3, argon2) and a fresh module graph per file
    globalSetup: ["lib/testing/global-setup.ts"],
    setupFiles: ["lib/testing/db-per-file.ts"],
    // a test's budget, not a synchronisation (tests await what they check): publishing runs the
    // DHCP daemons' own config checks and takes 5 s on an idle machine, 20 s on a busy one
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
