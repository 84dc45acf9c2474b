#!/usr/bin/env node
// Launcher for the afsboot CLI (lib/cli/main.ts). It shares the console's data layer, which is
// TypeScript marked "server-only": run it through tsx with the react-server condition.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(
  process.execPath,
  ["--conditions=react-server", "--import", import.meta.resolve("tsx"), path.join(root, "lib/cli/main.ts"), ...process.argv.slice(2)],
  { stdio: "inherit", env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json"), AFSBOOT_ROOT: root } },
);
if (result.error) {
  console.error(`afsboot: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
