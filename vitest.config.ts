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
    testTimeout: 20_000,
  },
});
