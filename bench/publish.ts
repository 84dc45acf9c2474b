// Publish benchmark: N hosts in 3 /16 networks, every DHCP format, PXE files and overlays.
//   npm run bench:publish [-- --hosts 10000 --runs 3]
//   npm run bench:publish -- --hosts 10000 --runs 3 --hosts-wave 1,100
//   npm run bench:publish -- --hosts 10000 --runs 5 --first-only   (first publications and their baselines alone)
// Temporary SQLite database and export directory (never ./data). Reports the median per stage of
// `publish` (snapshot, generate, compare, validate with the real daemons, write, record) for a
// first publication, an unchanged re-publication, and after one host's change; and one overlay.
// With --hosts-wave SIZES: rollout waves instead (hosts pinned to version 1, a wave of SIZE hosts
// moved to version 2 and published with `publish --host`), beside a full publish of the same
// change and plain writes of the same files (the same-run baselines).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NETWORKS, benchActor, seedFleet } from "./publish-fleet";

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : dflt);
const N = arg("hosts", 10_000);
const RUNS = arg("runs", 3);
const FIRST_ONLY = args.includes("--first-only");
const WAVES = args.includes("--hosts-wave") ? args[args.indexOf("--hosts-wave") + 1]!.split(",").map(Number) : null;
const root = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-bench-publish-"));
const dbFile = path.join(dir, "bench.db");
execFileSync(process.execPath, [path.join(root, "scripts/migrate.mjs"), "deploy", "--quiet"], { env: { ...process.env, DATABASE_URL: `file:${dbFile}` } });
process.env.DATABASE_URL = `file:${dbFile}`;
process.env.AFSBOOT_DATA_DIR = path.join(dir, "data");
process.env.AFSBOOT_IMAGES_ROOTS = path.join(dir, "images"); // publishing reads images only from allowed directories
/**
 * a publication's stages add up to its time; `validators` (the daemons, beside the diff and write
 * stages) and `durable` (from the start of generate until every file is flushed) are not stages
 */
const NOT_STAGES = new Set(["validators", "durable"]);
const sum = (timings: Record<string, number>) => Object.entries(timings).reduce((a, [k, ms]) => (NOT_STAGES.has(k) ? a : a + ms), 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const { getHost, updateHost, inputFromView } = await import("@/lib/data/hosts");
  const { publish } = await import("@/lib/data/publish");
  const { generateOverlay } = await import("@/lib/generate/initrd/overlay");
  const { readBusybox } = await import("@/lib/publish/busybox");
  const actor = benchActor;
  const nets = NETWORKS;
  await seedFleet(dir, N, WAVES !== null);
  console.log(`AFSBoot publish benchmark: ${N} hosts in 3 networks, ${RUNS} runs, ${os.cpus().length} cores, node ${process.version}`);
  if (WAVES) return waves(actor, WAVES);
  const show = (label: string, rs: { timings: Record<string, number>; changes: unknown[] }[]) => {
    const stages = Object.keys(rs[0]!.timings);
    const total = median(rs.map((r) => sum(r.timings)));
    const noValidate = median(
      rs.map((r) =>
        Object.entries(r.timings)
          .filter(([k]) => k !== "validate" && !NOT_STAGES.has(k))
          .reduce((a, [, b]) => a + b, 0),
      ),
    );
    console.log(`\n${label}: ${rs[0]!.changes.length} files changed; median total ${total} ms, without the validators ${noValidate} ms`);
    console.log("  " + stages.map((s) => `${s} ${median(rs.map((r) => r.timings[s]!))} ms`).join(", "));
  };
  const previews: Awaited<ReturnType<typeof publish>>[] = [];
  for (let r = 0; r < (FIRST_ONLY ? 1 : RUNS); r++) previews.push(await publish(actor, { outDir: path.join(dir, `dry${r}`), dryRun: true }));
  show("Dry run of the first publication (kept with every file to page through: the record stage)", previews);
  const first: Awaited<ReturnType<typeof publish>>[] = [];
  // each first publication, and right after it the same files written plainly (no temporary
  // file, no sync, no rename): the disk of this machine is shared, and its speed changes from one
  // minute to the next, so each run's ratio compares writes made under the same conditions
  const plain: number[] = [];
  const plainSynced: number[] = [];
  let plainFiles = 0;
  for (let r = 0; r < RUNS; r++) {
    first.push(await publish(actor, { outDir: path.join(dir, `out${r}`) }));
    const from = path.join(dir, `out${r}`);
    const bytes = (fs.readdirSync(from, { recursive: true, withFileTypes: true }) as fs.Dirent[])
      .filter((d) => d.isFile() && !d.name.startsWith("."))
      .map((d) => ({ rel: path.relative(from, path.join(d.parentPath, d.name)), data: fs.readFileSync(path.join(d.parentPath, d.name)) }));
    const target = path.join(dir, `plain${r}`);
    const t0 = performance.now();
    for (const b of bytes) {
      fs.mkdirSync(path.dirname(path.join(target, b.rel)), { recursive: true });
      fs.writeFileSync(path.join(target, b.rel), b.data);
    }
    plain.push(performance.now() - t0);
    plainFiles = bytes.length;
    // flushed (the next publication's syncfs should not write these for them), and timed: plain
    // writes made durable, as a publication makes its files, are the second baseline
    const t1 = performance.now();
    execFileSync("sync", ["-f", target]);
    plainSynced.push(plain.at(-1)! + performance.now() - t1);
  }
  show("First publication into an empty directory", first);
  // (--first-only: the first publications and their baselines alone)
  if (!FIRST_ONLY) {
    const again: Awaited<ReturnType<typeof publish>>[] = [];
    for (let r = 0; r < RUNS; r++) again.push(await publish(actor, { outDir: path.join(dir, "out0") }));
    show("Re-publication, nothing changed", again);
    // RUNS times: one host edited (`edit(r)`), then a publication of the whole fleet or of that host
    const afterEdits = async (name: string, edit: (r: number) => { kernelArgs?: string; ip?: string }, scoped: boolean) => {
      const rs: Awaited<ReturnType<typeof publish>>[] = [];
      for (let r = 0; r < RUNS; r++) {
        const h = await getHost(actor, name);
        await updateHost(actor, name, { ...inputFromView(h), ...edit(r), revision: h.revision });
        rs.push(await publish(actor, { outDir: path.join(dir, "out0"), ...(scoped ? { hosts: [name] } : {}) }));
      }
      return rs;
    };
    show("After one host's kernel arguments changed (full publish)", await afterEdits("n00042", (r) => ({ kernelArgs: `quiet loglevel=${r + 3}` }), false));
    show(
      "After one host's kernel arguments changed, that host published (afsboot publish --host)",
      await afterEdits("n00042", (r) => ({ kernelArgs: `quiet loglevel=${r + 6}` }), true),
    );
    show(
      "After one host's IP changed (its network's DHCP files too), that host published",
      await afterEdits("n00043", (r) => ({ ip: `10.14.250.${10 + r}` }), true),
    );
    const movedFull = await afterEdits("n00044", (r) => ({ ip: `10.18.250.${10 + r}` }), false);
    show("After one host's IP changed, full publish (DHCP files of one network validated)", movedFull);
    // a network renumbered: every host of network a gets a new address (its DHCP files change in
    // every host block); dry runs, so the directory stays as published
    await (await import("@/lib/db")).db.$executeRawUnsafe(`UPDATE "Host" SET "ip" = replace("ip", '10.10.', '10.11.') WHERE "ip" LIKE '10.10.%'`);
    await (await import("@/lib/db")).db.network.update({ where: { name: "a" }, data: { subnet: "10.10.0.0/15" } });
    const renumbered: Awaited<ReturnType<typeof publish>>[] = [];
    for (let r = 0; r < RUNS; r++) renumbered.push(await publish(actor, { outDir: path.join(dir, "out0"), dryRun: true }));
    show("A network renumbered (a third of the hosts change address), dry run", renumbered);
    // the diff of that network's dhcpd.conf alone: the line alignment of lib/publish/line-diff.ts,
    // against jsdiff's Myers diff of the whole files (what the console used before; 60 s at most)
    const { fileDiff } = await import("@/lib/publish/diff");
    const { createTwoFilesPatch } = await import("diff");
    const oldConf = fs.readFileSync(path.join(dir, "out0/dhcp/dhcpd-a.conf"), "utf8");
    const { dhcpFiles } = await import("@/lib/generate/dhcp");
    const { loadSnapshot: load } = await import("@/lib/data/snapshot");
    const newConf = dhcpFiles((await load(actor, { images: "names-only" })).snapshot, { exportDir: path.join(dir, "out0") }).find(
      (f) => f.path === "dhcp/dhcpd-a.conf",
    )!.content;
    const ours: number[] = [];
    let size = 0;
    for (let r = 0; r < Math.max(RUNS, 5); r++) {
      const t0 = performance.now();
      const d = fileDiff({ path: "dhcp/dhcpd-a.conf", kind: "dhcpd", oldText: oldConf, newText: newConf });
      ours.push(performance.now() - t0);
      size = d.whole?.length ?? Buffer.byteLength(d.shown);
    }
    const t0 = performance.now();
    const myers = createTwoFilesPatch("a", "b", oldConf, newConf, undefined, undefined, { context: 3, timeout: 60_000 });
    const myersMs = performance.now() - t0;
    console.log(
      `\nDiff of the renumbered network's dhcpd.conf (${oldConf.split("\n").length} lines): median ${median(ours).toFixed(0)} ms (kept: ${(size / 1024).toFixed(0)} KiB gzip); ` +
        `jsdiff's Myers diff of the whole files: ${myers === undefined ? "gave up after" : ""} ${myersMs.toFixed(0)} ms (ratio ${(myersMs / median(ours)).toFixed(1)})`,
    );
    const { loadSnapshot } = await import("@/lib/data/snapshot");
    const { snapshot } = await loadSnapshot(actor, { images: "names-only" });
    const busybox = readBusybox();
    generateOverlay(snapshot.versions[0]!, snapshot.cells[0]!, { busybox }); // warm (compresses busybox once)
    const ts: number[] = [];
    for (let r = 0; r < 9; r++) {
      const t0 = performance.now();
      generateOverlay(snapshot.versions[0]!, { ...snapshot.cells[0]!, cacheBlocks: 2048 + r }, { busybox });
      ts.push(performance.now() - t0);
    }
    console.log(`\nOne overlay initrd (after the first, which compresses busybox): median ${median(ts).toFixed(1)} ms`);
  }

  // Baselines in the same run: what the disk and the daemons cost without AFSBoot around them
  // (the plain writes: measured right after each first publication, above, on the same disk then).
  const published = path.join(dir, "out0");
  const { spawnSync } = await import("node:child_process");
  const seq: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (const n of nets) {
      spawnSync("/usr/sbin/dhcpd", [
        "-t",
        "-4",
        "-q",
        "-cf",
        path.join(published, `dhcp/dhcpd-${n}.conf`),
        "-lf",
        path.join(dir, "leases"),
        "-pf",
        path.join(dir, "pid"),
      ]);
      spawnSync("/usr/sbin/kea-dhcp4", ["-t", path.join(published, `dhcp/kea-dhcp4-${n}.json`)]);
      spawnSync("/usr/sbin/dnsmasq", ["--test", `--conf-file=${path.join(published, `dhcp/dnsmasq-${n}.conf`)}`]);
    }
    seq.push(performance.now() - t0);
  }
  const firstTotal = median(first.map((r) => sum(r.timings)));
  console.log(
    `\nBaselines (same run): ${plainFiles} files written with plain writeFileSync (no temp file, no sync, no rename), right after each first publication, ${median(plain).toFixed(0)} ms (runs ${plain.map((ms) => ms.toFixed(0)).join(", ")});`,
  );
  console.log(
    `  the same plain writes and then one syncfs (durable, as a publication's files are) ${median(plainSynced).toFixed(0)} ms (runs ${plainSynced.map((ms) => ms.toFixed(0)).join(", ")});`,
  );
  console.log(`  the 9 DHCP validators (3 networks × dhcpd, kea, dnsmasq) one after another ${median(seq).toFixed(0)} ms;`);
  console.log(`  first publication / (plain write + sequential validators) = ${(firstTotal / (median(plain) + median(seq))).toFixed(2)}`);
  // the issue's targets, each against this run's baselines (medians of RUNS)
  const stage = (name: string) => median(first.map((r) => r.timings[name] ?? 0));
  const genWrite = median(first.map((r) => (r.timings.generate ?? 0) + (r.timings.write ?? 0)));
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(`\nFirst publication of ${first[0]!.changes.length} files against the targets (medians of ${RUNS}):`);
  console.log(
    `  generate + write ${genWrite} ms (generate ${stage("generate")}, write ${stage("write")}) / plain writes ${median(plain).toFixed(0)} ms = ${ratio(genWrite, median(plain))} (target ≤ 1.5)`,
  );
  console.log(
    `  (generate + write / the plain writes and their syncfs ${median(plainSynced).toFixed(0)} ms = ${ratio(genWrite, median(plainSynced))}: the publication's flush is in its write stage)`,
  );
  console.log(
    `  from the start of generation until every file is written and flushed (beside the diff stage): ${stage("durable")} ms / plain writes = ${ratio(stage("durable"), median(plain))}; / plain writes and their syncfs = ${ratio(stage("durable"), median(plainSynced))}`,
  );
  console.log(`  whole publication with validators ${firstTotal} ms / 2,000 ms = ${ratio(firstTotal, 2000)} (target < 1)`);
  console.log(
    `  validators (in parallel, beside the diff and write stages) ${stage("validators")} ms / the validators one after another ${median(seq).toFixed(0)} ms = ${ratio(stage("validators"), median(seq))}; left to wait for after the write stage: ${stage("validate")} ms`,
  );
  console.log(
    `  per run (total; generate + write / the plain writes right after it; durable / the same): ${first.map((r, i) => `${sum(r.timings)} ms; ${(r.timings.generate ?? 0) + (r.timings.write ?? 0)} / ${plain[i]!.toFixed(0)} ms = ${ratio((r.timings.generate ?? 0) + (r.timings.write ?? 0), plain[i]!)}; ${ratio(r.timings.durable ?? 0, plain[i]!)}`).join(" | ")}`,
  );
  console.log(`  load average at the start ${loadStart}, at the end ${loadAvg()}`);
}

const loadAvg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const loadStart = loadAvg();

/** Rollout waves: SIZE hosts moved from version 1 to version 2, then published by name. */
async function waves(actor: { type: "cli"; id: null; name: string; role: "admin" }, sizes: number[]) {
  const { createVersion } = await import("@/lib/data/releases");
  const { assignRelease } = await import("@/lib/data/host-bulk");
  const { publish } = await import("@/lib/data/publish");
  // version 2: another module list, so another overlay (same kernel and base initrd, same tree)
  await createVersion(
    actor,
    "deb-12",
    {
      version: "2",
      kernel: "vmlinuz",
      baseInitrd: "initrd.img",
      modules: ["virtio_net", "e1000"],
      readonly: ["usr"],
      writable: ["etc"],
      tmpfsSize: "512M",
      notes: "",
    },
    { activate: true },
  );
  const out = path.join(dir, "out0");
  const total = (r: { timings: Record<string, number> }) => sum(r.timings);
  const timed = async (opts: Parameters<typeof publish>[1]) => {
    const t0 = performance.now();
    const r = await publish(actor, opts);
    return { r, ms: performance.now() - t0 };
  };
  const line = (label: string, rs: { r: Awaited<ReturnType<typeof publish>>; ms: number }[]) => {
    const stages = Object.keys(rs[0]!.r.timings);
    // what the publication says of the DHCP configs it did not check (the last run's)
    const skips = new Map<string, number>();
    for (const v of rs.at(-1)!.r.validation.filter((x) => x.status === "skipped")) skips.set(v.output, (skips.get(v.output) ?? 0) + 1);
    const notes = [...skips].map(([text, n]) => `${n} DHCP config${n === 1 ? "" : "s"} ${text}`);
    console.log(
      `\n${label}: ${rs.map((x) => x.r.changes.length).join("/")} files changed; median ${median(rs.map((x) => x.ms)).toFixed(0)} ms end to end (runs ${rs.map((x) => x.ms.toFixed(0)).join(", ")}; stages add up to ${median(rs.map((x) => total(x.r)))} ms)`,
    );
    console.log("  " + stages.map((s) => `${s} ${median(rs.map((x) => x.r.timings[s] ?? 0))}`).join(", ") + " ms");
    for (const n of notes) console.log(`  note: ${n}`);
    return median(rs.map((x) => x.ms));
  };
  const first = await timed({ outDir: out });
  line("First publication (one run)", [first]);
  const again: Awaited<ReturnType<typeof timed>>[] = [];
  for (let r = 0; r < RUNS; r++) again.push(await timed({ outDir: out }));
  line("Re-publication, nothing changed (full)", again);
  // the hosts of wave w: spread over the fleet (so over the three networks), never moved twice
  let next = 0;
  const wave = (size: number) => {
    const step = Math.max(1, Math.floor(N / size));
    const names = Array.from({ length: size }, (_, j) => `n${String((next + j * step) % N).padStart(5, "0")}`);
    next++;
    return names;
  };
  const summary: string[] = [];
  for (const size of sizes) {
    const scoped: Awaited<ReturnType<typeof timed>>[] = [];
    for (let r = 0; r < RUNS; r++) {
      const names = wave(size);
      await assignRelease(actor, names, { release: "deb-12", version: "2" });
      scoped.push(await timed({ outDir: out, hosts: names }));
    }
    const s = line(`Wave of ${size} host${size === 1 ? "" : "s"} moved to version 2, published by name (publish --host)`, scoped);
    const full: Awaited<ReturnType<typeof timed>>[] = [];
    for (let r = 0; r < RUNS; r++) {
      await assignRelease(actor, wave(size), { release: "deb-12", version: "2" });
      full.push(await timed({ outDir: out }));
    }
    const f = line(`Baseline: a wave of ${size} moved, full publish`, full);
    // plain writes of the files the last scoped wave changed (no temporary file, no sync, no rename)
    const changed = scoped
      .at(-1)!
      .r.changes.filter((c) => c.change !== "removed")
      .map((c) => ({ rel: c.path, data: fs.readFileSync(path.join(out, c.path)) }));
    const plain: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const target = path.join(dir, `plain-wave-${size}-${r}`);
      const t0 = performance.now();
      for (const b of changed) {
        fs.mkdirSync(path.dirname(path.join(target, b.rel)), { recursive: true });
        fs.writeFileSync(path.join(target, b.rel), b.data);
      }
      plain.push(performance.now() - t0);
    }
    console.log(`Baseline: the wave's ${changed.length} changed files written with plain writeFileSync: median ${median(plain).toFixed(1)} ms`);
    summary.push(
      `wave of ${size}: ${s.toFixed(0)} ms (full publish of the same change ${f.toFixed(0)} ms, ratio ${(s / f).toFixed(2)}; plain writes ${median(plain).toFixed(1)} ms)`,
    );
  }
  console.log(`\nSummary (medians of ${RUNS}): ${summary.join("; ")}`);
  console.log(`load average at the start ${loadStart}, at the end ${loadAvg()}`);
}

main().then(
  () => {
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  },
  (e) => {
    console.error(e);
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  },
);
