import crypto from "node:crypto";
import zlib from "node:zlib";
import { alignLines, formatHunks, splitLines } from "./line-diff";

// Unified diffs of published text files, kept with each publication so an admin can see what a
// publish changed (and preview it before). The line alignment (lib/publish/line-diff.ts) stays
// cheap on a 10,000-host DHCP file however many host blocks changed; the text kept is bounded.

/** Kinds whose bytes are text worth diffing; overlays, kernels and base initrds are binary. */
export const TEXT_KINDS = new Set(["dhcpd", "kea", "dnsmasq", "pxelinux", "ipxe", "grub"]);

export const DIFF_LIMITS = {
  /** A shown diff is cut after this many bytes: after the last hunk that fits (within the first, if that alone is longer). */
  maxBytes: 64 * 1024,
  /** Whole diffs past maxBytes are kept compressed up to this size (a 10,000-host first publish: ~3 MiB). */
  maxWholeBytes: 32 * 1024 * 1024,
  /** Files of one publication that get a diff (DHCP files first); the rest are listed with their sha256 only. */
  maxFiles: 500,
};

/** DHCP configurations: the files a publish matters most for, diffed before any per-host file. */
export const DHCP_KINDS = new Set(["dhcpd", "kea", "dnsmasq"]);

/**
 * Host report tokens travel in PXE files (afsboot.token=…), but a diff is shown to viewers and
 * stored in the database: it carries a placeholder instead, with a short fingerprint of the token
 * so that a changed token still shows as a changed line (the fingerprint, 32 bits of the token's
 * sha256, tells nothing usable about a 256-bit token).
 */
export function redactReportTokens(text: string): string {
  return text.replace(
    /\bafsboot\.token=([A-Za-z0-9_-]+)/g,
    (_m, token: string) => `afsboot.token=<hidden ${crypto.createHash("sha256").update(token).digest("hex").slice(0, 8)}>`,
  );
}

export interface DiffInput {
  path: string;
  kind: string;
  /** null: the file did not exist (added) / no longer exists (removed) */
  oldText: string | null;
  newText: string | null;
}

/** A file's diff as shown (whole, or cut at maxBytes), and the whole one gzip-compressed when it was cut. */
export interface FileDiff {
  shown: string;
  whole: Buffer | null;
  /** the whole diff's size in bytes, uncompressed (with `whole`) */
  wholeSize: number | null;
}

export function fileDiff({ path, kind, oldText, newText }: DiffInput): FileDiff {
  if (!TEXT_KINDS.has(kind))
    return { shown: `Binary file ${path} ${oldText === null ? "added" : newText === null ? "removed" : "changed"}`, whole: null, wholeSize: null };
  const header = `--- ${oldText === null ? "/dev/null" : `a/${path}`}\n+++ ${newText === null ? "/dev/null" : `b/${path}`}\n`;
  let hunks: string[];
  let whole: boolean;
  if (oldText === null || newText === null) {
    // a file added or removed whole: its one hunk (always whole) by string operations, not line by line
    const text = redactReportTokens((oldText ?? newText)!);
    hunks = text === "" ? [] : [wholeFileHunk(text, oldText === null ? "+" : "-")];
    whole = true;
  } else {
    const a = splitLines(redactReportTokens(oldText));
    const b = splitLines(redactReportTokens(newText));
    ({ hunks, whole } = formatHunks(alignLines(a, b), a, b, DIFF_LIMITS.maxWholeBytes));
  }
  const full = header + hunks.join("");
  const fullBytes = Buffer.byteLength(full);
  if (whole && fullBytes <= DIFF_LIMITS.maxBytes) return { shown: full, whole: null, wholeSize: null };
  // shown: the hunks that fit whole; the first hunk alone too long (a new file) is cut at a line
  let shown = header;
  let bytes = Buffer.byteLength(header);
  for (const h of hunks) {
    bytes += Buffer.byteLength(h);
    if (bytes > DIFF_LIMITS.maxBytes) break;
    shown += h;
  }
  if (shown === header)
    shown = Buffer.from(full)
      .subarray(0, DIFF_LIMITS.maxBytes)
      .toString()
      .replace(/\n[^\n]*$/, "\n");
  const cut = `${shown}… diff cut at ${DIFF_LIMITS.maxBytes / 1024} KiB\n`;
  // (level 1: a first publication's DHCP diffs, megabytes of repeated host blocks, in a third of the time of the default level)
  return whole ? { shown: cut, whole: zlib.gzipSync(full, { level: 1 }), wholeSize: fullBytes } : { shown: cut, whole: null, wholeSize: null };
}

/**
 * The hunk of a file added ("+") or removed ("-") whole, as formatHunks makes it: a first
 * publication's DHCP files are megabytes of lines, here prefixed by one native replace.
 */
export function wholeFileHunk(text: string, sign: "+" | "-"): string {
  const eol = text.endsWith("\n");
  const body = eol ? text.slice(0, -1) : text;
  let n = 1;
  for (let i = body.indexOf("\n"); i !== -1; i = body.indexOf("\n", i + 1)) n++;
  return `@@ ${sign === "+" ? `-0,0 +1,${n}` : `-1,${n} +0,0`} @@\n${sign}${body.replaceAll("\n", `\n${sign}`)}${eol ? "" : "\n\\ No newline at end of file"}\n`;
}

/** The diff as shown (see fileDiff). */
export function unifiedDiff(input: DiffInput): string {
  return fileDiff(input).shown;
}

/** The whole diff back from what fileDiff kept. */
export function wholeDiff(gzipped: Uint8Array): string {
  return zlib.gunzipSync(gzipped).toString();
}
