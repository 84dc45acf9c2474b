import crypto from "node:crypto";
import { createTwoFilesPatch } from "diff";

// Unified diffs of published text files, kept with each publication so an admin can see what a
// publish changed (and preview it before). Bounded: a diff that would be huge (every line of a
// 10,000-host dhcpd.conf rewritten) is replaced by a one-line summary rather than stored.

/** Kinds whose bytes are text worth diffing; overlays, kernels and base initrds are binary. */
export const TEXT_KINDS = new Set(["dhcpd", "kea", "dnsmasq", "pxelinux", "ipxe"]);

export const DIFF_LIMITS = {
  /** A stored diff is cut after this many bytes. */
  maxBytes: 64 * 1024,
  /** Changed lines beyond which no diff is made (Myers' diff of a full rewrite of a big file takes seconds). */
  maxChangedLines: 2000,
  /** Files of one publication that get a diff; the rest are listed with their sha256 only. */
  maxFiles: 500,
};

const CONTEXT = 3;

/**
 * Host report tokens travel in PXE files (afsboot.token=…), but a diff is shown to viewers and
 * stored in the database: it carries a placeholder instead, with a short fingerprint of the token
 * so that a changed token still shows as a changed line (the fingerprint, 32 bits of the token's
 * sha256, tells nothing usable about a 256-bit token).
 */
export function redactReportTokens(text: string): string {
  return text.replace(/\bafsboot\.token=([A-Za-z0-9_-]+)/g, (_m, token: string) => `afsboot.token=<hidden ${crypto.createHash("sha256").update(token).digest("hex").slice(0, 8)}>`);
}

export interface DiffInput {
  path: string;
  kind: string;
  /** null: the file did not exist (added) / no longer exists (removed) */
  oldText: string | null;
  newText: string | null;
}

export function unifiedDiff({ path, kind, oldText, newText }: DiffInput): string {
  if (!TEXT_KINDS.has(kind)) return `Binary file ${path} ${oldText === null ? "added" : newText === null ? "removed" : "changed"}`;
  // Only the middle differs when one host changes in a 50,000-line dhcpd.conf: cut the common
  // head and tail (keeping 3 lines of context) before diffing, and shift the hunk line numbers.
  const a = redactReportTokens(oldText ?? "").split("\n");
  const b = redactReportTokens(newText ?? "").split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const from = Math.max(0, head - CONTEXT);
  const keepTail = Math.max(0, tail - CONTEXT);
  const oldMid = a.slice(from, a.length - keepTail);
  const newMid = b.slice(from, b.length - keepTail);
  // a cheap lower bound first: lines present on one side only
  const changed = oneSided(oldMid, newMid);
  if (changed > DIFF_LIMITS.maxChangedLines) return `${path}: ${changed} lines changed; diff not kept (more than ${DIFF_LIMITS.maxChangedLines})`;
  // a cut middle ends with a newline unless it reaches the file's end (which keeps its own)
  const join = (lines: string[], full: string[], original: string | null) => (original === null ? "" : lines.join("\n") + (keepTail > 0 && lines.length < full.length ? "\n" : ""));
  const patch = createTwoFilesPatch(oldText === null ? "/dev/null" : `a/${path}`, newText === null ? "/dev/null" : `b/${path}`, join(oldMid, a, oldText), join(newMid, b, newText), undefined, undefined, {
    context: CONTEXT,
    maxEditLength: 2 * DIFF_LIMITS.maxChangedLines,
  });
  if (patch === undefined) return `${path}: more than ${DIFF_LIMITS.maxChangedLines} lines changed; diff not kept`;
  // jsdiff starts with an "Index:"-less header of ===; keep the standard ---/+++ form only
  const text = patch
    .replace(/^={10,}\n/m, "")
    .replace(/^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@/gm, (_, o: string, ol = "", n: string, nl = "") => `@@ -${Number(o) + from}${ol} +${Number(n) + from}${nl} @@`);
  if (Buffer.byteLength(text) <= DIFF_LIMITS.maxBytes) return text;
  const cut = Buffer.from(text).subarray(0, DIFF_LIMITS.maxBytes).toString().replace(/\n[^\n]*$/, "\n");
  return `${cut}… diff cut at ${DIFF_LIMITS.maxBytes / 1024} KiB\n`;
}

function oneSided(a: string[], b: string[]): number {
  const count = new Map<string, number>();
  for (const line of a) count.set(line, (count.get(line) ?? 0) + 1);
  let added = 0;
  for (const line of b) {
    const n = count.get(line);
    if (n) count.set(line, n - 1);
    else added++;
  }
  let removed = 0;
  for (const n of count.values()) removed += n;
  return added + removed;
}
