#!/usr/bin/env node
// The console's CPU per boot report, by part of the report path, from a profile of a boot storm.
//   npm run bench:boot-storm -- --hosts 3000 --runs 3 --history 0 --app-dir DIR --profile PDIR
//   node bench/profile-summary.mjs PDIR [PDIR2 …] [--top 25]
// PDIR holds the console's .cpuprofile (node --cpu-prof) and storm-windows.json (when each storm
// ran, on the profile's clock, and how many requests it sent), both written by bench/boot-storm.ts.
// Only the samples taken during the storms count (not start-up, warm-up or the pause between
// storms). Each sample is charged to a part by its stack: from the innermost frame outwards, the
// first frame that a rule below names; frames of the Next.js build are first mapped through its
// source maps to the original file and its enclosing top-level function (so the minified bundle
// reads as lib/data/boot-ingest.ts:insertEvents). Node's own modules (HTTP, streams, timers) only
// count when no frame of the console or of a library named below is on the stack. Several PDIRs
// (before, after): one column each. --top N lists the N frames with the most self time, with
// their part, so that the attribution can be checked.
import fs from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: opt, positionals: dirs } = parseArgs({ options: { top: { type: "string", default: "25" } }, allowPositionals: true });
const TOP = Number(opt.top);
if (!dirs.length) {
  console.error("usage: node bench/profile-summary.mjs PROFILE_DIR [PROFILE_DIR …] [--top N]");
  process.exit(2);
}

/** Parts of the report path, in the order printed. */
const PARTS = [
  ["http", "HTTP: socket, request parsing, dispatch (node:http, the console server's listener)"],
  ["body", "body read (report door, stream → string)"],
  ["parse", "form/JSON parsing"],
  ["validate", "validation (zod schema, MAC/IP/field checks)"],
  ["token", "token check (host cache, HMAC, compare)"],
  ["limits", "rate limits, handler's own code"],
  ["queue", "queueing (group-commit queue, wake-ups)"],
  ["sql", "batch's SQL in JS: rows/statements built, Prisma client + adapter"],
  ["sqlite", "batch's SQL executed: SQLite (prepare, run, COMMIT)"],
  ["summary", "boot summaries + hosts' last boots (their SQL too)"],
  ["response", "response (status, JSON body, write)"],
  ["gc", "garbage collector"],
  ["program", "(program): V8/native, not attributed"],
  ["other", "other (Next.js, timers, jobs, unknown)"],
];

// Rules on a frame's key "<file>:<function>" (file: the original source for the Next.js build,
// else the script's path or node:… module). Strong rules: the console's code and the libraries.
/** @type {[RegExp, string][]} */
const STRONG = [
  [/lib\/api\/report-door\.ts:(send)\b/, "response"],
  [/lib\/api\/report-door\.ts:(bodyOf|serveReport\.body)/, "body"],
  [/lib\/api\/report-door\.ts:/, "http"],
  [/lib\/api\/body\.ts:/, "body"],
  [/lib\/api\/boot-report\.ts:(readBody|tooLarge)\b/, "body"],
  [/lib\/api\/boot-report\.ts:(parse)\b/, "parse"],
  // the form's decoding (URLSearchParams), whichever frame called it (the bundler may inline parse)
  [/node:internal\/url:|node:querystring:/, "parse"],
  [/lib\/api\/boot-report\.ts:(ok|error|okBody)\b/, "response"],
  [/lib\/api\/boot-report\.ts:(validate\w*|checkReport\w*|fieldIssue\w*)\b/, "validate"],
  [/lib\/api\/boot-report\.ts:/, "limits"],
  [/lib\/api\/client-address\.ts:/, "http"],
  [/lib\/auth\/rate-limit\.ts:/, "limits"],
  [/lib\/auth\/host-token\.ts:/, "token"],
  [/lib\/data\/boot-reporters\.ts:/, "token"],
  [/lib\/env\.ts:serverSecret/, "token"],
  [/lib\/validation\/|lib\/inventory\/mac\.ts:|lib\/net\/ipv4\.ts:|node_modules\/zod\//, "validate"],
  [/lib\/data\/boot-ingest\.ts:(recordReport|flush|ReportQueueFull)\b/, "queue"],
  [/lib\/data\/boot-ingest\.ts:(summarizeBoots|setLastBoots)\b/, "summary"],
  [/lib\/data\/boot-ingest-sql\.ts:sqliteSql\.(events|writeSummaries|setLastBoots)\b/, "summary"],
  // the direct SQLite statements' own frames: their self time is the native run (bind, step)
  [/lib\/data\/boot-ingest-sql\.ts:sqliteSql\.(boots|findBoots|adopt|insertBoots|insertEvents)\b/, "sqlite"],
  [/lib\/data\/boot-ingest-sql\.ts:statement\b/, "sqlite"],
  // the adapter's execute/perform: their self time is better-sqlite3's native run (BEGIN, statements, COMMIT)
  [/adapter-better-sqlite3\/dist\/index\.mjs:(executeIO|performIO)\b/, "sqlite"],
  [/better-sqlite3\/lib\/methods\/wrappers\.js:prepare\b/, "sqlite"],
  [/lib\/boot\/stages\.ts:/, "summary"],
  [/lib\/data\/boot-ingest\.ts:/, "sql"],
  [/lib\/data\/(bulk-insert|boot-sql)\.ts:|lib\/db\.ts:|lib\/db\//, "sql"],
  [/@prisma\/|node_modules\/\.prisma\/|lib\/generated\/prisma|prisma/i, "sql"],
  [/better-sqlite3\//, "sql"],
  [/bin\/afsboot-server\.mjs:/, "http"],
];
/** Weak rules: Node's own modules, when nothing above is on the stack. */
const WEAK = [
  [/node:_http_outgoing|node:_http_server:(ServerResponse|writeHead)/, "response"],
  [/node:_http_|node:net|node:internal\/streams|node:internal\/stream_base|node:stream|node:internal\/http/, "http"],
  [/node:internal\/process\/task_queues|node:timers|node:internal\/timers/, "queue"],
];
const NATIVE_SQLITE = /^(run|all|get|iterate|exec|prepare|raw|columns|pluck|expand|bind|transaction)$/;

// ---------------------------------------------------------------- source maps of the Next.js build

const maps = new Map(); // file → { map, sources: Map<source, {lines, tops}> } | null
function sourceMapOf(file) {
  if (maps.has(file)) return maps.get(file);
  let got = null;
  try {
    const payload = JSON.parse(fs.readFileSync(`${file}.map`, "utf8"));
    got = { map: new SourceMap(payload), payload, contents: new Map() };
  } catch {
    /* no map: the file is read as it is */
  }
  maps.set(file, got);
  return got;
}

/** The top-level declarations of a source text: [line, name] in order. */
function topLevel(text) {
  const tops = [];
  const re =
    /^(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\*?\s+([\w$]+)|(?:const|let|var)\s+([\w$]+)|class\s+([\w$]+)|interface\s+([\w$]+)|type\s+([\w$]+))/;
  text.split("\n").forEach((line, i) => {
    const m = re.exec(line);
    if (m) tops.push([i, m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5]]);
  });
  return tops;
}

/** The source text of `source` in a source map (sourcesContent, else the file beside the map). */
function contentOf(sm, file, source) {
  if (sm.contents.has(source)) return sm.contents.get(source);
  const i = sm.payload.sources?.indexOf(source) ?? -1;
  let text = i >= 0 ? sm.payload.sourcesContent?.[i] : undefined;
  if (text === undefined) {
    // index maps (sections): look the source up in each section
    for (const s of sm.payload.sections ?? []) {
      const j = s.map?.sources?.indexOf(source) ?? -1;
      if (j >= 0) text = s.map.sourcesContent?.[j];
      if (text !== undefined) break;
    }
  }
  if (text === undefined) {
    try {
      text = fs.readFileSync(path.resolve(path.dirname(file), source), "utf8");
    } catch {
      text = "";
    }
  }
  const got = { tops: topLevel(text), lines: text.split("\n") };
  sm.contents.set(source, got);
  return got;
}

/** "<original file>:<top-level function>" of a profile frame. */
function keyOf(frame, cache) {
  const id = `${frame.url}|${frame.lineNumber}|${frame.columnNumber}|${frame.functionName}`;
  const have = cache.get(id);
  if (have) return have;
  let key;
  const { url, functionName } = frame;
  if (!url) key = `(native):${functionName || "(anonymous)"}`;
  else if (url.startsWith("node:")) key = `${url}:${functionName}`;
  else {
    const file = url.startsWith("file://") ? fileURLToPath(url) : url;
    const sm = file.includes(`${path.sep}.next${path.sep}`) ? sourceMapOf(file) : null;
    const entry = sm?.map.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry?.originalSource) {
      const source = entry.originalSource;
      const { tops, lines } = contentOf(sm, file, source);
      let top = "";
      for (const [line, n] of tops) if (line <= entry.originalLine) top = n;
      // the function itself, when it is a method or named function declared on that line (not an
      // arrow: its samples go to the function around it)
      const declared =
        entry.name && new RegExp(`^\\s*(?:async\\s+)?(?:function\\*?\\s+)?${entry.name.replace(/\$/g, "\\$")}\\s*\\(`).test(lines[entry.originalLine] ?? "");
      const inner = declared && entry.name !== top ? `.${entry.name}` : "";
      // the source relative to the project (turbopack writes "../../../lib/…" or "turbopack:///[project]/lib/…")
      const rel = source.replace(/^.*?\[project\]\//, "").replace(/^(\.\.\/)+/, "");
      key = `${rel}:${top || "(anonymous)"}${inner}`;
    } else {
      const rel = file.includes("node_modules") ? file.slice(file.lastIndexOf("node_modules")) : file.replace(/^.*\/(bin|lib|bench)\//, "$1/");
      key = `${rel}:${functionName || "(anonymous)"}`;
    }
  }
  cache.set(id, key);
  return key;
}

// ---------------------------------------------------------------- one profile

function summarize(dir) {
  const windowsFile = path.join(dir, "storm-windows.json");
  if (!fs.existsSync(windowsFile)) throw new Error(`${windowsFile} is missing (written by bench/boot-storm.ts --profile)`);
  const info = JSON.parse(fs.readFileSync(windowsFile, "utf8"));
  const profiles = fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  const file =
    profiles.find((f) => f.includes(`.${info.pid}.`)) ?? profiles.sort((a, b) => fs.statSync(path.join(dir, b)).size - fs.statSync(path.join(dir, a)).size)[0];
  if (!file) throw new Error(`no .cpuprofile in ${dir} (the console writes it when it stops)`);
  const prof = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cache = new Map();
  const partOf = new Map(); // node id → part
  const classify = (id) => {
    if (partOf.has(id)) return partOf.get(id);
    const leaf = byId.get(id);
    const name = leaf.callFrame.functionName;
    let part;
    if (name === "(garbage collector)") part = "gc";
    else if (name === "(program)") part = "program";
    else if (name === "(idle)") part = "idle";
    else if (!leaf.callFrame.url && NATIVE_SQLITE.test(name) && /better-sqlite3|prisma/i.test(keyOf(byId.get(parent.get(id)).callFrame, cache)))
      part = "sqlite";
    else {
      let weak;
      for (let n = id; n !== undefined; n = parent.get(n)) {
        const key = keyOf(byId.get(n).callFrame, cache);
        const strong = STRONG.find(([re]) => re.test(key));
        if (strong) {
          part = strong[1];
          break;
        }
        weak ??= WEAK.find(([re]) => re.test(key))?.[1];
      }
      part ??= weak ?? "other";
    }
    partOf.set(id, part);
    return part;
  };
  const windows = info.windows;
  const requests = windows.reduce((a, w) => a + w.requests, 0);
  const wallUs = windows.reduce((a, w) => a + (w.endUs - w.startUs), 0);
  const us = new Map(PARTS.map(([p]) => [p, 0]));
  us.set("idle", 0);
  const self = new Map(); // frame key → µs
  let t = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i];
    if (!windows.some((w) => t >= w.startUs && t < w.endUs)) continue;
    // a sample's time: the interval to the next sample
    const dt = prof.timeDeltas[i + 1] ?? 0;
    const id = prof.samples[i];
    const part = classify(id);
    us.set(part, us.get(part) + dt);
    if (part !== "idle") {
      const key = `${keyOf(byId.get(id).callFrame, cache)}  [${part}]`;
      self.set(key, (self.get(key) ?? 0) + dt);
    }
  }
  return { dir, file, requests, wallUs, us, self, runs: windows.length };
}

// ---------------------------------------------------------------- output

const results = dirs.map(summarize);
for (const r of results) console.log(`${r.dir}: ${r.file}, ${r.runs} storm(s), ${r.requests} requests in ${(r.wallUs / 1e6).toFixed(1)} s of storms`);
const col = (s) => String(s).padStart(14);
const LABEL = Math.max(...PARTS.map(([, label]) => label.length)) + 2;
console.log(`\nCPU per request (µs) of the console's main thread, by part${results.length > 1 ? " (one column per profile)" : ""}`);
console.log(
  `  ${"".padEnd(LABEL)}${results.map((_, i) => col(results.length > 1 ? `#${i + 1} µs/req` : "µs/req")).join("")}${results.length === 1 ? col("share") : ""}`,
);
for (const [p, label] of PARTS) {
  const cells = results.map((r) => col((r.us.get(p) / r.requests).toFixed(1)));
  const busy = results[0].wallUs ? [...results[0].us].filter(([k]) => k !== "idle").reduce((a, [, v]) => a + v, 0) : 1;
  console.log(`  ${label.padEnd(LABEL)}${cells.join("")}${results.length === 1 ? col(`${((results[0].us.get(p) / busy) * 100).toFixed(1)} %`) : ""}`);
}
const totals = results.map((r) => [...r.us].filter(([k]) => k !== "idle").reduce((a, [, v]) => a + v, 0));
console.log(`  ${"total busy (sampled)".padEnd(LABEL)}${totals.map((v, i) => col((v / results[i].requests).toFixed(1))).join("")}`);
console.log(`  ${"idle".padEnd(LABEL)}${results.map((r) => col((r.us.get("idle") / r.requests).toFixed(1))).join("")}`);
if (TOP > 0) {
  for (const r of results) {
    console.log(`\nTop ${TOP} frames by self time, ${r.dir} (µs per request)`);
    for (const [k, v] of [...r.self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${(v / r.requests).toFixed(1).padStart(8)}  ${k}`);
  }
}
