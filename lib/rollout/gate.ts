import { hostCount } from "@/lib/plural";
// The gate of a rollout (DESIGN principle 8): each host of a wave is judged by its own boot
// reports after its power cycle, and each wave by how many of its hosts failed. Pure: no I/O, no
// clock (`now` is passed in), so every verdict and every decision can be replayed in a test.

import { effectiveState, type Stage } from "@/lib/boot/stages";
import { waveLabel } from "./plan";

/** What a boot row says (lib/data/boot-ingest.ts keeps it summarised from its events). */
export interface BootFacts {
  id: string;
  /** stored state: stalled is decided here, from lastEventAt */
  state: string;
  currentStage: string;
  failedStage: string | null;
  message: string | null;
  startedAt: Date;
  lastEventAt: Date;
  initrdSha256: string | null;
  releaseVersion: string | null;
}

/** What a host was given and since when it is watched. */
export interface HostWatch {
  /** its power cycle (power mode) or its publication (manual mode): only boots started since count */
  since: Date;
  /** "power cycle" or "publication": what `since` was, for the reasons */
  sinceWhat: string;
  /** "release@version" it must report when up */
  expectedVersion: string;
  /** the overlay it must report when up (Host.assignedInitrdSha256 after its publication) */
  expectedInitrdSha256: string | null;
  /** the console stopped between asking its BMC and hearing the answer: the cycle may not have happened */
  unconfirmedCycle?: boolean;
}

export interface GateLimits {
  reportDeadlineSeconds: number;
  upDeadlineSeconds: number;
  /** seconds per stage before a quiet boot counts as stalled (env().AFSBOOT_STALL_SECONDS) */
  stall: Record<Stage, number>;
}

export type Outcome = "up" | "failed" | "waiting";

export interface Verdict {
  outcome: Outcome;
  /** why it failed, in words (null unless failed) */
  reason: string | null;
  /** the stage the deciding boot reached, and that boot's row */
  stage: string | null;
  bootRowId: string | null;
}

const short = (sha: string) => sha.slice(0, 12);

/** "release@version" of a report; a hand-made report's bare version is read as of the expected release. */
export function reportedLabel(reported: string | null, expectedVersion: string): string | null {
  if (!reported) return null;
  if (reported.includes("@")) return reported;
  return `${expectedVersion.slice(0, expectedVersion.lastIndexOf("@"))}@${reported}`;
}

/** Whether an up boot is on what the host was given: null when it is, else why not. */
function wrongVersion(boot: BootFacts, watch: HostWatch): string | null {
  const label = reportedLabel(boot.releaseVersion, watch.expectedVersion);
  if (label !== watch.expectedVersion) return `up on ${label ?? "an unreported version"}, expected ${watch.expectedVersion}`;
  if (watch.expectedInitrdSha256) {
    if (!boot.initrdSha256) return `up on ${label} without reporting its overlay's sha256 (expected ${short(watch.expectedInitrdSha256)}…)`;
    if (boot.initrdSha256 !== watch.expectedInitrdSha256)
      return `up on ${label} but with overlay ${short(boot.initrdSha256)}…, expected ${short(watch.expectedInitrdSha256)}… (a stale overlay)`;
  }
  return null;
}

/**
 * One host's verdict at `now`. Boots started before `since` are the old system's and never count.
 * The first boot since that ended decides (up on the right version and overlay: up; anything
 * else: failed); a newer boot replacing one that went quiet is simply followed. Without a decided
 * boot: stalled past the stage limits, no report within the report deadline, or not up within the
 * up deadline fail it; otherwise it is still under way.
 */
export function judgeHost(watch: HostWatch, boots: readonly BootFacts[], now: Date, limits: GateLimits): Verdict {
  const since = watch.since.getTime();
  const mine = boots.filter((b) => b.startedAt.getTime() >= since).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  const failed = (reason: string, boot: BootFacts | null): Verdict => ({
    outcome: "failed",
    reason,
    stage: boot?.currentStage ?? null,
    bootRowId: boot?.id ?? null,
  });
  for (const boot of mine) {
    if (boot.state === "up") {
      const wrong = wrongVersion(boot, watch);
      return wrong ? failed(wrong, boot) : { outcome: "up", reason: null, stage: "up", bootRowId: boot.id };
    }
    if (boot.state === "failed") return failed(`failed at ${boot.failedStage ?? boot.currentStage}${boot.message ? `: ${boot.message}` : ""}`, boot);
  }
  const elapsed = (now.getTime() - since) / 1000;
  const last = mine[mine.length - 1] ?? null;
  if (!last) {
    if (elapsed <= limits.reportDeadlineSeconds) return { outcome: "waiting", reason: null, stage: null, bootRowId: null };
    const unsure = watch.unconfirmedCycle ? " (the console stopped while its BMC was asked: the cycle may not have happened)" : "";
    return failed(`no report (dhcp, pxe or initrd) within ${limits.reportDeadlineSeconds} s of its ${watch.sinceWhat}${unsure}`, null);
  }
  if (effectiveState(last, now, limits.stall) === "stalled") {
    const quiet = Math.round((now.getTime() - last.lastEventAt.getTime()) / 1000);
    return failed(`stalled at ${last.currentStage} (no report for ${quiet} s, the limit is ${limits.stall[last.currentStage as Stage]} s)`, last);
  }
  if (elapsed > limits.upDeadlineSeconds)
    return failed(`not up within ${limits.upDeadlineSeconds} s of its ${watch.sinceWhat} (reached ${last.currentStage})`, last);
  return { outcome: "waiting", reason: null, stage: last.currentStage, bootRowId: last.id };
}

// ---------------------------------------------------------------- a wave's decision

export interface GateSettings {
  canary: number;
  canaryMaxFailures: number;
  maxFailures: number;
  maxFailurePercent: number | null;
  rollback: boolean;
}

/** Failures a wave of `size` hosts may have: the canary's own limit, else a count or a percentage of the wave (rounded down). */
export function waveLimit(settings: GateSettings, wave: number, size: number): number {
  if (wave === 0 && settings.canary > 0) return settings.canaryMaxFailures;
  if (settings.maxFailurePercent !== null) return Math.floor((size * settings.maxFailurePercent) / 100);
  return settings.maxFailures;
}

export interface TallyHost {
  name: string;
  outcome: Outcome | "pending";
  reason: string | null;
}

export type WaveDecision = { kind: "waiting"; text: string } | { kind: "passed"; text: string } | { kind: "halted"; text: string };

const hostsWord = hostCount;

/** The first few failures, named: "node007: failed at afs: …; node009: …". */
function named(failures: TallyHost[], max = 3): string {
  const shown = failures.slice(0, max).map((f) => `${f.name}: ${f.reason ?? "failed"}`);
  return shown.join("; ") + (failures.length > max ? `; and ${failures.length - max} more` : "");
}

/**
 * A wave's decision once its hosts were judged: halted as soon as its failures exceed its limit
 * (waiting for the rest cannot undo that), passed when every host is up or failed within the
 * limit, else still waiting. In words, for the rollout's page, the CLI and the audit log.
 */
export function decideWave(settings: GateSettings, wave: number, hosts: readonly TallyHost[]): WaveDecision {
  const label = waveLabel(wave, settings.canary);
  const limit = waveLimit(settings, wave, hosts.length);
  const failures = hosts.filter((h) => h.outcome === "failed");
  const up = hosts.filter((h) => h.outcome === "up").length;
  const open = hosts.length - up - failures.length;
  const failedPart = `${failures.length} of ${hostsWord(hosts.length)} failed${failures.length ? ` (${named(failures)})` : ""}`;
  if (failures.length > limit) {
    return { kind: "halted", text: `${label}: ${failedPart}; the limit is ${limit}: halted, ${settings.rollback ? "rolling back" : "waiting for an admin"}` };
  }
  if (open > 0)
    return { kind: "waiting", text: `${label}: ${up} of ${hostsWord(hosts.length)} up, ${failures.length} failed, ${open} under way; the limit is ${limit}` };
  const failedNamed = `${failures.length} failed${failures.length ? ` (${named(failures)})` : ""}`;
  return { kind: "passed", text: `${label}: ${up} of ${hostsWord(hosts.length)} up, ${failedNamed}; the limit is ${limit}: passed` };
}

/** A rollback's end, in words, once each of its hosts is back (up) or not (failed); null while some are under way. */
export function decideRollback(wave: number, canary: number, hosts: readonly TallyHost[]): string | null {
  if (hosts.some((h) => h.outcome !== "up" && h.outcome !== "failed")) return null;
  const label = waveLabel(wave, canary);
  const failures = hosts.filter((h) => h.outcome === "failed");
  const back = hosts.length - failures.length;
  const head = `Rollback of ${label === "Canary" ? "the canary" : label.toLowerCase()}: ${back} of ${hostsWord(hosts.length)} back on their previous version`;
  return failures.length ? `${head}; ${failures.length} did not come back (${named(failures)})` : head;
}
