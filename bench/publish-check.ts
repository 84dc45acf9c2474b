// The first publication's bytes, for a before/after check of the publish pipeline (and a profile):
//   npm run -s bench:publish-check -- seed DIR [--hosts 10000]
//       makes DIR/bench.db and DIR/images: the bench's fleet (bench/publish-fleet.ts); DIR/data keeps
//       the secret the host tokens are made with (made by the first publication, then reused)
//   npm run -s bench:publish-check -- publish DIR
//       publishes a copy of that database into the empty DIR/out and prints "sha256  path" of every
//       file there, sorted (the marker, which names the publication, as <publication>); then
//       publishes again and prints how many files that changed (0: idempotent). Removes DIR/out.
//       With --runs N: N more first publications (into other empty directories), each one's stages
//       and the medians on stderr: a quick before/after of the same database on the same machine.
// Run `publish` from another checkout (cd OTHER && TSX_TSCONFIG_PATH=tsconfig.json node
// --conditions=react-server --import tsx THIS_FILE publish DIR) to publish with that code: the
// same database and secret give the same bytes, so the two listings must be equal.
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const [mode, dirArg] = process.argv.slice(2);
const args = process.argv.slice(2);
const hostsArg = args.includes("--hosts") ? Number(args[args.indexOf("--hosts") + 1]) : 10_000;
const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 0;
if ((mode !== "seed" && mode !== "publish") || !dirArg) {
  console.error("usage: publish-check.ts seed DIR [--hosts N] | publish DIR");
  process.exit(2);
}
const dir = path.resolve(dirArg);
const actor = { type: "cli" as const, id: null, name: "bench", role: "admin" as const };

async function main() {
  process.env.AFSBOOT_DATA_DIR = path.join(dir, "data");
  process.env.AFSBOOT_IMAGES_ROOTS = path.join(dir, "images");
  if (mode === "seed") {
    fs.mkdirSync(dir, { recursive: true });
    const dbFile = path.join(dir, "bench.db");
    execFileSync(process.execPath, [path.join(import.meta.dirname, "../scripts/migrate.mjs"), "deploy", "--quiet"], {
      env: { ...process.env, DATABASE_URL: `file:${dbFile}` },
    });
    process.env.DATABASE_URL = `file:${dbFile}`;
    const { seedFleet } = await import("./publish-fleet");
    await seedFleet(dir, hostsArg, false);
    await (await import("@/lib/db")).db.$disconnect();
    return;
  }
  const work = path.join(dir, "work.db");
  for (const ext of ["", "-wal", "-shm"]) {
    fs.rmSync(work + ext, { force: true });
    if (fs.existsSync(path.join(dir, "bench.db" + ext))) fs.copyFileSync(path.join(dir, "bench.db" + ext), work + ext);
  }
  process.env.DATABASE_URL = `file:${work}`;
  const out = path.join(dir, "out");
  fs.rmSync(out, { recursive: true, force: true });
  const { publish } = await import("@/lib/data/publish");
  const first = await publish(actor, { outDir: out });
  const lines = (fs.readdirSync(out, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => {
      const rel = path.relative(out, path.join(d.parentPath, d.name));
      const bytes = fs.readFileSync(path.join(d.parentPath, d.name));
      return rel === ".afsboot-published" ? `<publication>  ${rel}` : `${crypto.createHash("sha256").update(bytes).digest("hex")}  ${rel}`;
    })
    .sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1));
  for (const l of lines) console.log(l);
  const again = await publish(actor, { outDir: out });
  console.error(`first publication: ${first.changes.length} files changed, ${lines.length} files in the directory; stages ${JSON.stringify(first.timings)}`);
  console.error(`published again: ${again.changes.length} files changed`);
  fs.rmSync(out, { recursive: true, force: true });
  const measured: Record<string, number>[] = [];
  for (let r = 0; r < runs; r++) {
    const into = path.join(dir, `out-${r}`);
    fs.rmSync(into, { recursive: true, force: true });
    // (the removals of the run before flushed, untimed: this publication's flush should not write them)
    execFileSync("sync", ["-f", dir]);
    const t0 = performance.now();
    const p = await publish(actor, { outDir: into });
    measured.push({ wall: Math.round(performance.now() - t0), ...p.timings });
    console.error(`run ${r + 1}: ${JSON.stringify(measured.at(-1))}`);
    fs.rmSync(into, { recursive: true, force: true });
  }
  if (runs) {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const keys = Object.keys(measured[0]!);
    console.error(
      `median of ${runs}: ${keys.map((k) => `${k} ${median(measured.map((m) => m[k] ?? 0))}`).join(", ")}, generate+write ${median(measured.map((m) => (m.generate ?? 0) + (m.write ?? 0)))}`,
    );
  }
  for (const ext of ["", "-wal", "-shm"]) fs.rmSync(work + ext, { force: true });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
