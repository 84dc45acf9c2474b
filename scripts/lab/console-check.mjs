#!/usr/bin/env node
// Boot lab: does a boot look normal? Reads a guest's serial console log (firmware, iPXE, kernel,
// the AFSBoot /init, systemd, shutdown) and counts the lines a person would read as trouble:
// error, fail(ed/ure), warning, kernel BUG/Oops/panic/call traces, systemd's "Failed to …" and
// "[FAILED]". Each such line must match an entry of the allow list, which says why it is harmless
// (every entry is also listed in docs/lab.md, a test checks that).
//
//   node scripts/lab/console-check.mjs LOG [--allow FILE]   (default: console-allow.txt beside it)
//
// Prints a summary line, then each line that no entry allows (with its line number); exit 0 when
// there is none, 1 otherwise, 2 on bad usage. The lab's own instrument line (afsboot-lab-check:)
// is not the guest's output and is skipped.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

// words in any case; the kernel's own alarms as it spells them ("report a bug" and panic=60 are not)
export const TROUBLE_WORDS = /\berror|\bfail(s|ed|ure|ing)?\b|\bwarn(ing)?\b|\bsegfault\b|\btimed out\b|\[FAILED\]/i;
export const KERNEL_ALARMS = /\bBUG:|\bOops\b|Kernel panic|Call Trace:|\bWARNING:/;
const readsAsTrouble = (line) => TROUBLE_WORDS.test(line) || KERNEL_ALARMS.test(line);

/** Allow-list file: one entry a line, "REGEX<TAB>reason"; blank lines and # comments skipped. */
export function parseAllow(text) {
  const entries = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trimEnd();
    if (!line || line.startsWith("#")) continue;
    const tab = line.indexOf("\t");
    if (tab <= 0) throw new Error(`allow list line ${i + 1}: "REGEX<TAB>reason" expected`);
    const reason = line.slice(tab + 1).trim(); // not empty: the line was trimmed at its end
    entries.push({ source: line.slice(0, tab), re: new RegExp(line.slice(0, tab)), reason });
  }
  return entries;
}

/** The serial log's lines without terminal noise: CR, ANSI colour and cursor sequences. */
export function cleanLines(text) {
  return text.split("\n").map((l) => l.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1bc|\r/g, "").replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ""));
}

export function checkConsole(text, allow) {
  const used = new Map();
  const unexplained = [];
  let trouble = 0;
  for (const [i, line] of cleanLines(text).entries()) {
    if (!readsAsTrouble(line) || line.includes("afsboot-lab-check:")) continue;
    trouble++;
    const entry = allow.find((a) => a.re.test(line));
    if (entry) used.set(entry.source, (used.get(entry.source) ?? 0) + 1);
    else unexplained.push({ line: i + 1, text: line });
  }
  return { trouble, allowed: [...used].map(([source, count]) => ({ source, count })), unexplained };
}

function main() {
  const args = process.argv.slice(2);
  const log = args[0];
  const ai = args.indexOf("--allow");
  const allowFile = ai >= 0 ? args[ai + 1] : path.join(import.meta.dirname, "console-allow.txt");
  if (!log || !allowFile) {
    process.stderr.write("usage: console-check.mjs LOG [--allow FILE]\n");
    process.exit(2);
  }
  const r = checkConsole(fs.readFileSync(log, "utf8"), parseAllow(fs.readFileSync(allowFile, "utf8")));
  console.log(
    `console: ${r.trouble} line(s) that read as trouble, ${r.trouble - r.unexplained.length} explained in the allow list, ${r.unexplained.length} not`,
  );
  for (const u of r.unexplained) console.log(`  line ${u.line}: ${u.text}`);
  process.exit(r.unexplained.length ? 1 : 0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
