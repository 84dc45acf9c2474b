#!/usr/bin/env node
// Launcher for the afsboot CLI (lib/cli/main.ts). It shares the console's data layer, which is
// TypeScript marked "server-only", so it runs under the react-server condition:
// - in this process, from the bundle scripts/build-cli.mjs makes with that condition, when the
//   bundle's stamp still matches the mtime and size of every file it was built from;
// - else after building it again (about a second: sources just edited, a fresh install);
// - else (the build failed: no esbuild, a read-only tree, a syntax error tsx reports better) in a
//   second Node process through tsx, as before. AFSBOOT_CLI_BUNDLE=0 forces this way.
import { spawnSync } from "node:child_process";
import path from "node:path";
import v8 from "node:v8";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildCli, freshBundle } from "../scripts/build-cli.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

async function bundle() {
  if (process.env.AFSBOOT_CLI_BUNDLE === "0") return null;
  try {
    return freshBundle() ?? (await buildCli());
  } catch {
    return null;
  }
}

const main = await bundle();
if (main) {
  process.env.AFSBOOT_ROOT = root;
  // Prisma's query compiler is 3.3 MB of WebAssembly. V8 compiles its functions with Liftoff when
  // first called and then again, optimized, with TurboFan when they run hot: about 0.4 s of CPU in
  // a command that compiles a few queries and exits (a no-op `publish --dry-run` of 10,000 hosts
  // took 1.6–1.7 s of CPU with it, 1.1–1.2 s without). Liftoff's code runs every query just the
  // same (docs/measurements.md, "The CLI's start"). Set before the first module is compiled.
  v8.setFlagsFromString("--liftoff-only");
  await import(pathToFileURL(main).href);
} else {
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
}
