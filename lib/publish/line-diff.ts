import { diffArrays } from "diff";

// A line diff that stays cheap on the files a boot server publishes: a DHCP configuration of
// 10,000 hosts where every host block changed (a network renumbered) or that is new (the first
// publish). Myers' diff (jsdiff) of such a file costs O(lines × changes): seconds to minutes. The
// alignment here is patience-style instead: lines that occur once in both files (a host's name,
// its MAC) anchor it, in their longest common order, and only the small gaps between anchors are
// diffed by Myers. Every host block then anchors itself, and the work is close to linear.

export interface Op {
  kind: "=" | "-" | "+";
  /** first line in the old file (for "+": where the lines go in) */
  a: number;
  /** first line in the new file (for "-": where the lines were) */
  b: number;
  n: number;
}

/** Gaps without an anchor up to this many lines (both sides together) get Myers' diff ... */
const MYERS_GAP_LINES = 4000;
/** ... within this much work in all (Σ lines × allowed edits); past it, a gap is a replacement. */
const MYERS_BUDGET = 40_000_000;
/** Anchors are looked for again inside gaps, this many levels deep. */
const MAX_DEPTH = 8;

/** The lines of a file; a last line without a newline is marked so that it differs from one with. */
export function splitLines(text: string | null): string[] {
  if (text === null || text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  else lines[lines.length - 1] += NO_EOL;
  return lines;
}

/** (a line never contains a newline, so this suffix cannot occur in one) */
const NO_EOL = "\n\\";

/** The edit script turning `a` into `b`: runs of equal, removed and added lines, in file order. */
export function alignLines(a: string[], b: string[]): Op[] {
  const ops: Op[] = [];
  let budget = MYERS_BUDGET;

  const push = (kind: Op["kind"], ai: number, bi: number, n: number) => {
    if (n <= 0) return;
    const last = ops.at(-1);
    if (last && last.kind === kind) {
      const nextA = kind === "+" ? last.a : last.a + last.n;
      const nextB = kind === "-" ? last.b : last.b + last.n;
      if (nextA === ai && nextB === bi) {
        last.n += n;
        return;
      }
    }
    ops.push({ kind, a: ai, b: bi, n });
  };

  const align = (aLo: number, aHi: number, bLo: number, bHi: number, depth: number) => {
    let head = 0;
    while (aLo + head < aHi && bLo + head < bHi && a[aLo + head] === b[bLo + head]) head++;
    push("=", aLo, bLo, head);
    aLo += head;
    bLo += head;
    let tail = 0;
    while (aHi - tail > aLo && bHi - tail > bLo && a[aHi - 1 - tail] === b[bHi - 1 - tail]) tail++;
    gap(aLo, aHi - tail, bLo, bHi - tail, depth);
    push("=", aHi - tail, bHi - tail, tail);
  };

  const gap = (aLo: number, aHi: number, bLo: number, bHi: number, depth: number) => {
    if (aLo === aHi || bLo === bHi) {
      push("-", aLo, bLo, aHi - aLo);
      push("+", aHi, bLo, bHi - bLo);
      return;
    }
    const anchors = depth < MAX_DEPTH ? uniqueAnchors(a, aLo, aHi, b, bLo, bHi) : [];
    if (anchors.length === 0) return myers(aLo, aHi, bLo, bHi);
    let pa = aLo;
    let pb = bLo;
    for (const [ia, ib] of anchors) {
      align(pa, ia, pb, ib, depth + 1);
      push("=", ia, ib, 1);
      pa = ia + 1;
      pb = ib + 1;
    }
    align(pa, aHi, pb, bHi, depth + 1);
  };

  const myers = (aLo: number, aHi: number, bLo: number, bHi: number) => {
    const lines = aHi - aLo + (bHi - bLo);
    const cost = lines * lines;
    if (lines <= MYERS_GAP_LINES && cost <= budget) {
      budget -= cost;
      const changes = diffArrays(a.slice(aLo, aHi), b.slice(bLo, bHi), { maxEditLength: lines });
      if (changes) {
        let ia = aLo;
        let ib = bLo;
        for (const c of changes) {
          const kind = c.removed ? "-" : c.added ? "+" : "=";
          push(kind, ia, ib, c.count);
          if (kind !== "+") ia += c.count;
          if (kind !== "-") ib += c.count;
        }
        return;
      }
    }
    push("-", aLo, bLo, aHi - aLo);
    push("+", aHi, bLo, bHi - bLo);
  };

  align(0, a.length, 0, b.length, 0);
  return ops;
}

/**
 * Lines that occur exactly once in a[aLo, aHi) and once in b[bLo, bHi), as (index in a, index
 * in b) pairs: the longest run of them in the same order in both (patience sorting, O(k log k)).
 */
function uniqueAnchors(a: string[], aLo: number, aHi: number, b: string[], bLo: number, bHi: number): [number, number][] {
  const seen = new Map<string, { ia: number; ib: number; na: number; nb: number }>();
  for (let i = aLo; i < aHi; i++) {
    const s = seen.get(a[i]!);
    if (s) s.na++;
    else seen.set(a[i]!, { ia: i, ib: -1, na: 1, nb: 0 });
  }
  for (let i = bLo; i < bHi; i++) {
    const s = seen.get(b[i]!);
    if (s) {
      s.nb++;
      s.ib = i;
    }
  }
  const pairs: [number, number][] = [];
  for (const s of seen.values()) if (s.na === 1 && s.nb === 1) pairs.push([s.ia, s.ib]);
  if (pairs.length === 0) return pairs;
  pairs.sort((x, y) => x[0] - y[0]);
  // longest increasing subsequence of the b indices
  const tops: number[] = []; // tops[k]: index into pairs of the smallest tail of a run of length k+1
  const prev = new Array<number>(pairs.length).fill(-1);
  for (let i = 0; i < pairs.length; i++) {
    const v = pairs[i]![1];
    let lo = 0;
    let hi = tops.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tops[mid]!]![1] < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tops[lo - 1]!;
    tops[lo] = i;
  }
  const run: [number, number][] = [];
  for (let i = tops.at(-1)!; i >= 0; i = prev[i]!) run.push(pairs[i]!);
  return run.reverse();
}

/**
 * The unified diff's hunks (3 lines of context, hunks closer than 6 lines merged, as diff -u and
 * jsdiff do), each a string, from an edit script of splitLines() lines. Stops adding hunks once
 * they pass `maxBytes` in all (the first is always kept) and says so: `whole` is false then.
 */
export function formatHunks(ops: Op[], a: string[], b: string[], maxBytes = Infinity, context = 3): { hunks: string[]; whole: boolean } {
  const parts: string[] = [];
  let bytes = 0;
  let hunk: { aStart: number; bStart: number; aLen: number; bLen: number; lines: string[] } | null = null;

  const line = (prefix: string, s: string) => {
    if (s.endsWith(NO_EOL)) hunk!.lines.push(prefix + s.slice(0, -NO_EOL.length), "\\ No newline at end of file");
    else hunk!.lines.push(prefix + s);
  };
  const equal = (op: Op, from: number, to: number) => {
    for (let k = from; k < to; k++) line(" ", a[op.a + k]!);
    hunk!.aLen += to - from;
    hunk!.bLen += to - from;
  };
  const flush = (): boolean => {
    const h = hunk!;
    hunk = null;
    const text = `@@ -${h.aLen ? h.aStart + 1 : h.aStart},${h.aLen} +${h.bLen ? h.bStart + 1 : h.bStart},${h.bLen} @@\n${h.lines.join("\n")}\n`;
    bytes += Buffer.byteLength(text);
    if (bytes > maxBytes && parts.length > 0) return false;
    parts.push(text);
    return true;
  };

  const lastChange = ops.findLastIndex((op) => op.kind !== "=");
  for (let i = 0; i <= lastChange; i++) {
    const op = ops[i]!;
    if (op.kind === "=") {
      if (!hunk) continue;
      if (i < lastChange && op.n <= 2 * context) {
        equal(op, 0, op.n);
        continue;
      }
      equal(op, 0, Math.min(context, op.n));
      if (!flush()) return { hunks: parts, whole: false };
      continue;
    }
    if (!hunk) {
      const before = ops[i - 1]?.kind === "=" ? ops[i - 1]! : null;
      const lead = before ? Math.min(context, before.n) : 0;
      hunk = { aStart: op.a - lead, bStart: op.b - lead, aLen: 0, bLen: 0, lines: [] };
      if (before) equal(before, before.n - lead, before.n);
    }
    for (let k = 0; k < op.n; k++) {
      if (op.kind === "-") line("-", a[op.a + k]!);
      else line("+", b[op.b + k]!);
    }
    if (op.kind === "-") hunk.aLen += op.n;
    else hunk.bLen += op.n;
  }
  if (hunk) {
    const after = ops[lastChange + 1];
    if (after) equal(after, 0, Math.min(context, after.n));
    if (!flush()) return { hunks: parts, whole: false };
  }
  return { hunks: parts, whole: true };
}
