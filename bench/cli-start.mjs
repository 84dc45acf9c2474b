// The CLI's start: how long a script waits for each `afsboot` command (docs/measurements.md,
// "The CLI's start").
//   npm run bench:cli [-- --runs 7 --hosts 10000 --no-tsx --before DIR]
// Wall clock of whole `node bin/afsboot.mjs …` processes, median of --runs, against a bare
// `node -e 0` of the same run: --help; a read-only command (user list, export fleet); and a no-op
// `publish --dry-run` on an unchanged fleet of a few hosts (like the lab's) and of --hosts hosts
// (0: skip). Each also through tsx in a second process (AFSBOOT_CLI_BUNDLE=0: the launcher before
// the bundle) unless --no-tsx, and with --before DIR through DIR/bin/afsboot.mjs (a checkout of an
// older commit with its node_modules, e.g. `git worktree add`). A temporary database, data and
// export directory (never ./data).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const args = process.argv.slice(2);
const arg = (name, dflt) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : dflt);
const RUNS = arg("runs", 7);
const BIG = arg("hosts", 10_000);
const TSX = !args.includes("--no-tsx");
const BEFORE = args.includes("--before") ? path.resolve(args[args.indexOf("--before") + 1]) : null;
const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "bin/afsboot.mjs");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-bench-cli-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** A fleet file of n hosts in three /16 networks (the layout of bench/publish.ts). */
function fleetFile(n) {
  const images = path.join(dir, "images");
  const nets = [10, 14, 18].map((o, i) => ({ name: "abc"[i], o }));
  const mac = (i) => `52:54:${[i >> 16, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, "0")).join(":")}:01`;
  return [
    "networks:",
    ...nets.map(
      ({ name, o }) =>
        `  - { name: ${name}, subnet: 10.${o}.0.0/16, gateway: 10.${o}.0.1, dns: [10.${o}.0.1], bootServer: 10.${o}.0.1, reportUrl: "http://10.${o}.0.1:3000" }`,
    ),
    "cells:",
    "  - { name: example.org, client: kafs, servers: [{ name: afsdb1.example.org, ip: 10.10.0.5 }], bootRoot: /afs/example.org/boot }",
    "releases:",
    "  - name: deb-12",
    "    tree: /afs/example.org/boot/debian/12",
    `    imagesDir: ${images}`,
    "    versions:",
    '      - { version: "1", kernel: vmlinuz, baseInitrd: initrd.img, modules: [virtio_net], readonly: [usr], writable: [etc], tmpfsSize: 512M }',
    "hosts:",
    ...Array.from({ length: n }, (_, i) => {
      const { o } = nets[i % 3];
      const k = Math.floor(i / 3);
      return `  - { name: n${String(i).padStart(5, "0")}, mac: "${mac(i)}", ip: 10.${o}.${1 + Math.floor(k / 250)}.${(k % 250) + 2}, cell: example.org, release: deb-12 }`;
    }),
    "",
  ].join("\n");
}

/** Runs the CLI (or `node -e 0` for null) against one fleet's database; returns its wall clock in ms. */
function run(fleet, cliArgs, { bundle = true, launcher = bin, expect } = {}) {
  const env = {
    ...process.env,
    DATABASE_URL: `file:${path.join(dir, `${fleet}.db`)}`,
    AFSBOOT_DATA_DIR: path.join(dir, `data-${fleet}`),
    AFSBOOT_EXPORT_DIR: path.join(dir, `export-${fleet}`),
    AFSBOOT_IMAGES_ROOTS: path.join(dir, "images"),
    AFSBOOT_CLI_BUNDLE: bundle ? "1" : "0",
  };
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, cliArgs ? [launcher, ...cliArgs] : ["-e", "0"], { cwd: root, env, encoding: "utf8", maxBuffer: 256 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 || (expect && !expect.test(r.stdout)))
    throw new Error(`afsboot ${cliArgs?.join(" ")}: exit ${r.status}\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-500)}`);
  return ms;
}

function setUp(fleet, n) {
  fs.writeFileSync(path.join(dir, `${fleet}.yaml`), fleetFile(n));
  const t0 = performance.now();
  run(fleet, ["apply", path.join(dir, `${fleet}.yaml`)]);
  const applied = performance.now() - t0;
  run(fleet, ["publish"], { expect: /Published/ });
  console.log(`  ${fleet}: ${n} hosts applied in ${(applied / 1000).toFixed(1)} s and published`);
}

async function main() {
  console.log(`AFSBoot CLI start benchmark: ${RUNS} runs, ${os.cpus().length} cores, node ${process.version}, load average ${load()}`);
  fs.mkdirSync(path.join(dir, "images"));
  fs.writeFileSync(path.join(dir, "images/vmlinuz"), Buffer.alloc(8 << 20, 1));
  fs.writeFileSync(path.join(dir, "images/initrd.img"), Buffer.alloc(4 << 20, 2));
  setUp("small", 5);
  if (BIG) setUp("big", BIG);

  const noop = /^No changes \(\d+ files up to date\)\.$/m;
  const cases = [
    { label: "node -e 0 (baseline)", fleet: "small", args: null },
    { label: "afsboot --help", fleet: "small", args: ["--help"] },
    { label: "afsboot user list", fleet: "small", args: ["user", "list"] },
    { label: "afsboot export fleet (5 hosts)", fleet: "small", args: ["export", "fleet"] },
    { label: "afsboot publish --dry-run, 5 hosts unchanged", fleet: "small", args: ["publish", "--dry-run"], expect: noop },
    ...(BIG ? [{ label: `afsboot publish --dry-run, ${BIG} hosts unchanged`, fleet: "big", args: ["publish", "--dry-run"], expect: noop }] : []),
  ];
  const ways = [
    { way: "bundle", bundle: true },
    ...(TSX ? [{ way: "tsx", bundle: false }] : []),
    ...(BEFORE ? [{ way: "before", launcher: path.join(BEFORE, "bin/afsboot.mjs") }] : []),
  ];
  const times = new Map();
  // interleaved: each round runs every case once, so a burst of load hits all of them alike
  for (let r = 0; r < RUNS; r++)
    for (const c of cases)
      for (const w of c.args ? ways : ways.slice(0, 1)) {
        const key = `${c.label}|${w.way}`;
        times.set(key, [...(times.get(key) ?? []), run(c.fleet, c.args, { ...w, expect: c.expect })]);
      }
  const base = median(times.get(`${cases[0].label}|bundle`));
  console.log(`\nmedian wall clock of ${RUNS} runs (ratio to node -e 0; load average now ${load()}):`);
  for (const c of cases) {
    const cols = (c.args ? ways : ways.slice(0, 1)).map(({ way }) => {
      const m = median(times.get(`${c.label}|${way}`));
      return `${c.args ? `${way} ` : ""}${m.toFixed(0).padStart(5)} ms (${(m / base).toFixed(1)}×)`;
    });
    console.log(`  ${c.label.padEnd(52)} ${cols.join("   ")}`);
  }
}

try {
  await main();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
