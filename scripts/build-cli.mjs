// Bundles the CLI (lib/cli/main.ts and everything it imports) with esbuild, so that `afsboot` starts
// by compiling a few JavaScript files instead of loading hundreds of TypeScript modules through
// tsx (docs/measurements.md, "The CLI's start"). bin/afsboot.mjs runs the bundle when its stamp
// still matches the sources, else calls buildCli() again, else falls back to tsx.
//   node scripts/build-cli.mjs [--force]   builds when stale (postinstall, scripts/build-if-needed.sh)
//
// Layout under node_modules/.cache/afsboot-cli/ (inside the project, so that the packages left
// out of the bundle resolve from its node_modules):
//   b-<time>-<pid>/main.js + chunks   one build; the commands' modules are chunks loaded on use
//   current.json                      the stamp: that build's directory and the mtime and size of
//                                     every input esbuild read (replaced atomically by a rename)
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CACHE_DIR = path.join(ROOT, "node_modules/.cache/afsboot-cli");
export const STAMP = path.join(CACHE_DIR, "current.json");
/** What changes the bundle besides the modules it reads: the build itself and the module resolution. */
const CONFIG_INPUTS = ["scripts/build-cli.mjs", "tsconfig.json", "package.json"];
/**
 * Older builds are deleted by the next build once they are this old (ms) and not among the newest
 * KEEP_BUILDS: a command still running (a rollout --wait, for hours) may load a chunk of its build.
 */
const KEEP_OLD_MS = 60 * 60 * 1000;
const KEEP_BUILDS = 3;

/** A file's identity in the stamp: mtime, size and ctime (which no unpacking or `touch` sets back). */
const identity = (st) => [st.mtimeMs, st.size, st.ctimeMs];

/**
 * The code the launcher runs must be no easier to change than the sources: owned by this user or
 * by the project's owner, and writable by nobody else (no group or world write).
 */
function trusted(file) {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st || st.mode & 0o022) return false;
  return st.uid === process.getuid?.() || st.uid === fs.statSync(ROOT).uid;
}

/** The bundle's main module if its stamp matches every file it was built from, else null (a few ms). */
export function freshBundle() {
  let stamp;
  try {
    if (!trusted(CACHE_DIR) || !trusted(STAMP)) return null;
    stamp = JSON.parse(fs.readFileSync(STAMP, "utf8"));
  } catch {
    return null;
  }
  for (const [file, was] of Object.entries(stamp.inputs)) {
    const st = fs.statSync(path.join(ROOT, file), { throwIfNoEntry: false });
    if (!st || identity(st).some((v, i) => v !== was[i])) return null;
  }
  const main = path.join(CACHE_DIR, stamp.main);
  // a build folder (or the query compiler's text in it: code too) removed behind the stamp's back:
  // build again rather than fail to import
  const texts = (stamp.wasm ?? []).map((name) => path.join(path.dirname(main), name));
  return trusted(path.dirname(main)) && trusted(main) && texts.every(trusted) ? main : null;
}

/**
 * zod re-exports its translations of its messages as `z.locales`, 60-odd languages that a command
 * evaluated on every start (the chunk with zod took 33–51 ms to import, most of it those). The
 * console speaks English (zod's default, set from locales/en.js directly): `z.locales` keeps `en`.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
        ? { path: path.join(path.dirname(args.importer), "../locales/en-only.js"), namespace: "zod-en" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-en" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), "en.js"))};\n`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * Prisma's query compiler (3.3 MB of WebAssembly) comes as a module that holds it as a base64
 * string literal: importing it took 33–53 ms of every command that queries (V8 scans the 4.4 MB
 * literal). In the bundle that module reads the same text from a file written beside it instead
 * (a few ms); `used` collects the modules so replaced, whose text buildCli then writes.
 */
const prismaWasmAsText = (used) => ({
  name: "prisma-wasm-as-text",
  setup(build) {
    build.onResolve({ filter: /^@prisma\/client\/runtime\/query_compiler_\w+_bg\.\w+\.wasm-base64\.mjs$/ }, (args) => {
      used.add(args.path);
      return { path: args.path, namespace: "prisma-wasm" };
    });
    build.onLoad({ filter: /.*/, namespace: "prisma-wasm" }, (args) => ({
      contents: `import fs from "node:fs";\nexport const wasm = fs.readFileSync(new URL(${JSON.stringify(`./${wasmText(args.path)}`)}, import.meta.url), "latin1");\n`,
      loader: "js",
    }));
  },
});
/** The file beside the bundle's chunks that holds a replaced module's base64 text. */
const wasmText = (spec) => `${path.basename(spec, ".mjs")}.txt`;

/** Builds the bundle and records its stamp; returns the path of its main module. */
export async function buildCli() {
  // a tree this user may not write (installed by another): fail now, not after bundling
  fs.mkdirSync(CACHE_DIR, { recursive: true, mode: 0o755 });
  fs.accessSync(CACHE_DIR, fs.constants.W_OK);
  fs.chmodSync(CACHE_DIR, 0o755); // (whatever the umask made of it: see trusted)
  const esbuild = await import("esbuild");
  const started = Date.now();
  const wasmModules = new Set();
  const outdir = path.join(CACHE_DIR, `b-${started.toString(36)}-${process.pid}`);
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: "lib/cli/main.ts" },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // the data layer is marked "server-only": the condition under which that import is allowed
    conditions: ["react-server"],
    tsconfig: "tsconfig.json",
    // native addons, and the Prisma query compiler's wasm (megabytes of base64, imported by Prisma
    // when the first query runs), stay files of their own
    external: ["better-sqlite3", "@node-rs/argon2", "pg-native", "@prisma/client/runtime/query_compiler_*"],
    // bundled CommonJS packages call require() for Node's modules
    banner: { js: 'import { createRequire as __afsbootRequire } from "node:module"; const require = __afsbootRequire(import.meta.url);' },
    plugins: [zodEnglishOnly, prismaWasmAsText(wasmModules)],
    metafile: true,
    logLevel: "silent", // a failure is thrown (with esbuild's messages), and the launcher then runs tsx
  });
  // a chunk made of a CommonJS module exports only its default: `await import("yaml")` would
  // lose the named exports tsx gives it. Import such a package statically from a module of ours.
  for (const [file, input] of Object.entries(result.metafile.inputs))
    for (const im of input.imports)
      if (im.kind === "dynamic-import" && result.metafile.inputs[im.path]?.format === "cjs")
        throw new Error(`${file}: import("${im.original}") of a CommonJS module: import it statically from a module of ours instead`);
  fs.writeFileSync(path.join(outdir, "package.json"), '{ "type": "module" }\n');
  // the query compilers' text, taken from Prisma's own modules (which the stamp then covers)
  const wasmSources = [];
  for (const spec of wasmModules) {
    const { wasm } = await import(spec);
    if (typeof wasm !== "string" || !/^[A-Za-z0-9+/=]+$/.test(wasm.slice(0, 4096))) throw new Error(`${spec}: no base64 text in its "wasm" export`);
    fs.writeFileSync(path.join(outdir, wasmText(spec)), wasm, "latin1");
    wasmSources.push(path.relative(ROOT, fileURLToPath(import.meta.resolve(spec))));
  }
  // writable by this user alone, whatever the umask (see trusted)
  fs.chmodSync(outdir, 0o755);
  for (const f of fs.readdirSync(outdir, { recursive: true })) {
    const p = path.join(outdir, String(f));
    fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644);
  }
  const inputs = {};
  // (not the plugins' modules, "zod-en:…" and "prisma-wasm:…": this script makes them, and is among CONFIG_INPUTS)
  for (const file of [...Object.keys(result.metafile.inputs).filter((f) => !/^(zod-en|prisma-wasm):/.test(f)), ...wasmSources, ...CONFIG_INPUTS]) {
    inputs[file] = identity(fs.statSync(path.join(ROOT, file)));
  }
  const main = path.join(outdir, "main.js");
  // a file changed while esbuild read it (or within a second before: file systems whose timestamps
  // are coarse): this build may hold its old content, so record no stamp (this run uses it, as a
  // run started before the edit would; the next run builds again)
  if (Object.values(inputs).some(([mtime]) => mtime >= started - 1000)) return main;
  const tmp = `${STAMP}.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify({ main: path.relative(CACHE_DIR, main), wasm: [...wasmModules].map(wasmText), inputs }), { mode: 0o644 });
  fs.chmodSync(tmp, 0o644);
  fs.renameSync(tmp, STAMP);
  removeOldBuilds(outdir);
  return main;
}

function removeOldBuilds(keep) {
  const builds = [];
  for (const name of fs.readdirSync(CACHE_DIR)) {
    const dir = path.join(CACHE_DIR, name);
    if (!name.startsWith("b-") || dir === keep) continue;
    try {
      builds.push({ dir, mtime: fs.statSync(dir).mtimeMs });
    } catch {
      // another build removed it
    }
  }
  builds.sort((a, b) => b.mtime - a.mtime);
  for (const { dir, mtime } of builds.slice(KEEP_BUILDS - 1)) {
    try {
      if (Date.now() - mtime > KEEP_OLD_MS) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // (another user's build: left to them; this build is in place all the same)
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t = Date.now();
  try {
    let main = (!process.argv.includes("--force") && freshBundle()) || (await buildCli());
    // files written just before (npm install's generated client) leave the build without a stamp:
    // build once more a second later, so that the first command does not have to
    if (!freshBundle()) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      main = await buildCli();
    }
    console.log(`afsboot CLI bundle: ${path.relative(ROOT, main)} (${Date.now() - t} ms)`);
  } catch (e) {
    // the launcher falls back to tsx: an install must not fail for want of the faster start
    console.warn(`afsboot: the CLI bundle could not be built, the CLI will run through tsx: ${e instanceof Error ? e.message : e}`);
  }
}
