#!/usr/bin/env node
// Boot lab: assert, through the console's API, what a lab boot left behind.
//
//   node scripts/lab/lab-check.mjs --url URL --token API_TOKEN --host NAME --expect up
//        [--since ISO] [--boots N] [--afs REGEX] [--initrd REGEX] [--network REGEX] [--release REL@VER] [--dhcp] [--up REGEX] [--shutdown]
//   node scripts/lab/lab-check.mjs --url URL --token API_TOKEN --host NAME --expect failed --stage afs
//        [--message REGEX] [--within SECONDS]
//   node scripts/lab/lab-check.mjs --url URL --token API_TOKEN --host NAME --expect stalled --stage dhcp
//        [--since ISO]
//   node scripts/lab/lab-check.mjs --url URL --token API_TOKEN --unknown MAC
//
// --expect up: the host has exactly --boots (default 1) boots started after --since, the newest
// with its stages in boot order through `up` (pxe … up; then shutdown), each stage at or after
// the one before, `ms` recorded for each stage after the first, state up, and its initrdSha256
// the overlay the host's last publication assigned (GET /api/v1/hosts/NAME: assignedInitrdSha256);
// with --afs, the afs stage's message (which client mounted what) matches REGEX; with --initrd, the
// initrd stage's (the boot server the files came from, on a network with several), with --network
// the network stage's (the DHCP server that gave the lease); with --release,
// the boot ran that release version; with --dhcp, the DHCP server's hook reported the dhcp stage;
// with --up, the up stage's message matches REGEX; with --shutdown, the boot ended with a shutdown
// report after up (the host's own shutdown sent it).
// --expect failed: the newest boot failed at --stage (its message matching --message), and the
// failure came within --within seconds of the boot's first report (default 120), and the dashboard's
// recent failures (GET /api/v1/fleet/status) list it with that message. --expect stalled: the
// newest boot is stalled (no news for longer than its stage allows), never got past --stage (the
// boot loader never ran: no initrd report), and the dashboard's "booting now" lists it as stalled
// at that stage. --unknown: the
// MAC is listed among the unknown hosts (GET /api/v1/discovered) and attached to no host.
// Prints one JSON line with what it saw (stages with their ms), exit 0 when everything holds, 1
// with the reasons otherwise.

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const url = opt("url");
const token = opt("token");
const host = opt("host");
const expect = opt("expect");
const unknown = opt("unknown");
if (!url || !token || (!host && !unknown) || (host && !["up", "failed", "stalled"].includes(expect))) {
  console.error("usage: lab-check.mjs --url URL --token TOKEN (--host NAME --expect up|failed|stalled [--stage S] | --unknown MAC)");
  process.exit(2);
}
const ORDER = ["pxe", "dhcp", "initrd", "network", "afs", "root", "switch", "up", "shutdown"];
const problems = [];
const check = (ok, what) => {
  if (!ok) problems.push(what);
};

async function get(path) {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function main() {
  if (unknown) {
    const mac = unknown.toLowerCase();
    const list = await get(`/api/v1/discovered`);
    const items = list.items ?? list.hosts ?? list;
    const seen = Array.isArray(items) ? items.find((d) => d.mac === mac) : undefined;
    check(!!seen, `MAC ${mac} is not among the unknown hosts (${Array.isArray(items) ? items.length : "?"} listed)`);
    console.log(JSON.stringify({ unknown: mac, seen: seen ?? null }));
    return;
  }
  const since = opt("since") ? new Date(opt("since")) : new Date(0);
  const { boots } = await get(`/api/v1/hosts/${encodeURIComponent(host)}/boots?limit=50`);
  const recent = boots.filter((b) => new Date(b.startedAt) >= since);
  const boot = recent[0];
  if (!boot) {
    console.log(JSON.stringify({ host, boots: 0 }));
    throw new Error(`host ${host} has no boot since ${since.toISOString()}`);
  }
  const stages = boot.stages.map((s) => s.stage);
  const summary = {
    host,
    bootId: boot.bootId,
    state: boot.state,
    durationMs: boot.durationMs ?? null,
    stages: boot.stages.map((s) => ({ stage: s.stage, at: s.at, ms: s.ms ?? null, ...(s.message ? { message: s.message.slice(0, 600) } : {}) })),
    initrdSha256: boot.initrdSha256,
    releaseVersion: boot.releaseVersion,
  };
  console.log(JSON.stringify(summary));
  const times = boot.stages.map((s) => new Date(s.at).getTime());
  check(
    times.every((t, i) => i === 0 || t >= times[i - 1]),
    "stage times are not in order",
  );
  if (expect === "up") {
    const wanted = Number(opt("boots", "1"));
    check(recent.length === wanted, `${recent.length} boots since ${since.toISOString()}, expected ${wanted}`);
    check(boot.state === "up", `state ${boot.state}, expected up${boot.message ? ` (${boot.message})` : ""}`);
    const upTo = stages.filter((s) => s !== "shutdown");
    const order = upTo.map((s) => ORDER.indexOf(s));
    check(
      order.every((o, i) => o >= 0 && (i === 0 || o > order[i - 1])),
      `stages out of boot order: ${stages.join(", ")}`,
    );
    for (const s of ["initrd", "network", "afs", "root", "switch", "up"]) check(stages.includes(s), `no ${s} stage (got ${stages.join(", ")})`);
    check(
      boot.stages.slice(1).every((s) => typeof s.ms === "number" && s.ms >= 0),
      "a stage has no duration (ms)",
    );
    const h = await get(`/api/v1/hosts/${encodeURIComponent(host)}`);
    const assigned = h.assignedInitrdSha256 ?? h.host?.assignedInitrdSha256;
    check(!!assigned, "the host has no published overlay (assignedInitrdSha256)");
    check(boot.initrdSha256 === assigned, `booted overlay ${boot.initrdSha256} is not the published ${assigned}`);
    const afsRe = opt("afs");
    if (afsRe) {
      const afs = boot.stages.find((s) => s.stage === "afs");
      check(new RegExp(afsRe).test(afs?.message ?? ""), `afs stage message ${JSON.stringify(afs?.message)} does not match /${afsRe}/`);
    }
    if (args.includes("--dhcp")) check(stages.includes("dhcp"), `no dhcp stage from the DHCP server's hook (got ${stages.join(", ")})`);
    const release = opt("release");
    if (release) check(boot.releaseVersion === release, `booted release version ${boot.releaseVersion}, expected ${release}`);
    for (const stage of ["initrd", "network"]) {
      const re = opt(stage);
      if (!re) continue;
      const found = boot.stages.find((s) => s.stage === stage);
      check(new RegExp(re).test(found?.message ?? ""), `${stage} stage message ${JSON.stringify(found?.message)} does not match /${re}/`);
    }
    const upRe = opt("up");
    if (upRe) {
      const up = boot.stages.find((s) => s.stage === "up");
      check(new RegExp(upRe).test(up?.message ?? ""), `up stage message ${JSON.stringify(up?.message)} does not match /${upRe}/`);
    }
    if (args.includes("--shutdown"))
      check(stages.at(-1) === "shutdown" && stages.includes("up"), `the boot did not end with a shutdown report after up (got ${stages.join(", ")})`);
  } else if (expect === "stalled") {
    const stage = opt("stage", "dhcp");
    check(boot.state === "stalled", `state ${boot.state}, expected stalled`);
    const last = ORDER.indexOf(stage);
    const beyond = stages.filter((s) => ORDER.indexOf(s) > last);
    check(beyond.length === 0, `the boot got past ${stage}: ${stages.join(", ")}`);
    check(stages.includes(stage), `no ${stage} stage (got ${stages.join(", ")})`);
    const fleet = await get("/api/v1/fleet/status");
    const shown = (fleet.bootingNow ?? []).find((b) => b.host === host);
    check(
      shown?.state === "stalled" && shown?.stage === stage,
      `the dashboard's booting now shows ${JSON.stringify(shown ?? null)}, not ${host} stalled at ${stage}`,
    );
  } else {
    const stage = opt("stage");
    check(boot.state === "failed", `state ${boot.state}, expected failed`);
    if (stage) check(boot.failedStage === stage, `failed at ${boot.failedStage}, expected ${stage}`);
    const re = opt("message");
    if (re) check(new RegExp(re).test(boot.message ?? ""), `message ${JSON.stringify(boot.message)} does not match /${re}/`);
    const within = Number(opt("within", "120")) * 1000;
    const took = times[times.length - 1] - times[0];
    check(took <= within, `the failure came ${Math.round(took / 1000)} s after the first report (limit ${within / 1000} s)`);
    // what the dashboard shows: its recent failures come from /api/v1/fleet/status
    const fleet = await get("/api/v1/fleet/status");
    const shown = (fleet.recentFailures ?? []).find((f) => f.host === host && f.bootId === boot.bootId);
    check(!!shown, `the dashboard's recent failures do not list ${host}'s failed boot`);
    if (shown)
      check(shown.message === boot.message && (!stage || shown.failedStage === stage), `the dashboard shows ${JSON.stringify(shown)}, not the boot's failure`);
  }
}

main()
  .catch((e) => problems.push(e.message))
  .finally(() => {
    if (problems.length) {
      for (const p of problems) console.error(`lab-check: ${p}`);
      process.exit(1);
    }
  });
