// Boot stages and what a boot's events add up to. Pure: the ingest path, the API, the dashboard
// and the host page all read boots through these functions, so "stalled" means the same everywhere
// and is computed when read (from the last event's server time), never stored: a console restart
// loses nothing and a boot that went quiet is stalled whether or not anyone was watching.

export const STAGES = ["pxe", "dhcp", "initrd", "network", "afs", "root", "switch", "up", "shutdown", "failed"] as const;
export type Stage = (typeof STAGES)[number];
/** The stages of a boot in order; `failed` stands apart (it names the stage that failed). */
export const PROGRESS: readonly Stage[] = STAGES.slice(0, 9);
export const order = (s: Stage) => STAGES.indexOf(s);

export type BootState = "booting" | "up" | "failed" | "stalled";

/**
 * Seconds a boot may stay at a stage before it counts as stalled: the time to reach the next
 * stage. Generous where real work happens: kernel and initrds over TFTP/HTTP after pxe and dhcp,
 * the AFS mount with its retries after network, unpacking the writable trees after afs, a
 * release's whole init after switch. Override with AFSBOOT_STALL_SECONDS="afs=600,switch=1200".
 */
export const DEFAULT_STALL_SECONDS: Record<Stage, number> = {
  pxe: 180,
  dhcp: 180,
  initrd: 120,
  network: 180,
  afs: 300,
  root: 120,
  switch: 600,
  up: Infinity,
  shutdown: Infinity,
  failed: Infinity,
};

/** The limits a spec like "afs=600,switch=1200" sets (unset: the defaults), or what is wrong with it. */
export function parseStallSeconds(spec: string | undefined): Record<Stage, number> | string {
  const out = { ...DEFAULT_STALL_SECONDS };
  for (const part of (spec ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [k, v] = part.split("=");
    if (!STAGES.slice(0, 7).includes(k as Stage) || !/^\d{1,6}$/.test(v ?? "") || Number(v) < 10) {
      return `${JSON.stringify(part)} is not STAGE=SECONDS (a stage from pxe to switch, at least 10 s)`;
    }
    out[k as Stage] = Number(v);
  }
  return out;
}

/** parseStallSeconds, throwing on a bad spec (the console reads it from the configuration: env().AFSBOOT_STALL_SECONDS). */
export function stallSeconds(spec?: string): Record<Stage, number> {
  const parsed = parseStallSeconds(spec);
  if (typeof parsed === "string") throw new Error(`AFSBOOT_STALL_SECONDS: ${parsed}`);
  return parsed;
}

export interface EventFacts {
  stage: Stage;
  failedStage: Stage | null;
  /** server time, authoritative */
  at: Date;
  message: string | null;
  initrdSha256: string | null;
  releaseVersion: string | null;
  ip: string | null;
}

export interface BootSummary {
  /** stored state: booting, up or failed (stalled is decided when read) */
  state: "booting" | "up" | "failed";
  currentStage: Stage;
  failedStage: Stage | null;
  message: string | null;
  startedAt: Date;
  lastEventAt: Date;
  finishedAt: Date | null;
  initrdSha256: string | null;
  releaseVersion: string | null;
  clientIp: string | null;
}

const byStage = (a: EventFacts, b: EventFacts) => order(a.stage) - order(b.stage) || a.at.getTime() - b.at.getTime();

/** What a boot's events (in any order of arrival) say about it. */
export function summarizeBoot(events: EventFacts[]): BootSummary {
  if (events.length === 0) throw new Error("a boot has at least one event");
  const sorted = [...events].sort(byStage);
  const failed = sorted.find((e) => e.stage === "failed");
  const progress = sorted.filter((e) => e.stage !== "failed");
  const highest = progress[progress.length - 1];
  const times = events.map((e) => e.at.getTime());
  // the artifacts: from the latest stage that reported them (init reports them from initrd on)
  const latest = (key: "initrdSha256" | "releaseVersion" | "ip") => [...sorted].reverse().find((e) => e[key])?.[key] ?? null;
  const up = progress.find((e) => e.stage === "up");
  return {
    state: failed ? "failed" : up ? "up" : "booting",
    currentStage: failed ? (failed.failedStage ?? highest?.stage ?? "failed") : highest!.stage,
    failedStage: failed ? (failed.failedStage ?? null) : null,
    message: failed?.message ?? highest?.message ?? null,
    startedAt: new Date(Math.min(...times)),
    lastEventAt: new Date(Math.max(...times)),
    finishedAt: failed ? failed.at : up ? up.at : null,
    initrdSha256: latest("initrdSha256"),
    releaseVersion: latest("releaseVersion"),
    clientIp: latest("ip"),
  };
}

/** The state to show: a booting boot without news for longer than its stage allows is stalled. */
export function effectiveState(boot: { state: string; currentStage: string; lastEventAt: Date }, now: Date, limits = DEFAULT_STALL_SECONDS): BootState {
  if (boot.state !== "booting") return boot.state as BootState;
  const limit = limits[boot.currentStage as Stage] ?? Infinity;
  return now.getTime() - boot.lastEventAt.getTime() > limit * 1000 ? "stalled" : "booting";
}

/**
 * Per stage reached, in order: when it was reported and how long it took since the stage before
 * (the first reported stage has no duration). A failure is the last bar, at its failed stage.
 */
export function stageTimeline(events: EventFacts[]): { stage: Stage; at: Date; ms: number | null; message: string | null; failed: boolean }[] {
  const sorted = [...events].sort(byStage);
  const out: { stage: Stage; at: Date; ms: number | null; message: string | null; failed: boolean }[] = [];
  let prev: Date | null = null;
  for (const e of sorted) {
    const failed = e.stage === "failed";
    out.push({
      stage: failed ? (e.failedStage ?? "failed") : e.stage,
      at: e.at,
      ms: prev ? Math.max(0, e.at.getTime() - prev.getTime()) : null,
      message: e.message,
      failed,
    });
    prev = e.at;
  }
  return out;
}

/**
 * What a host's last boot says against what it is assigned: the release and version it booted
 * (reports carry "release@version"; hand-made ones the version alone), whether that overlay is
 * not the one the last publication assigned (stale), and so whether a reboot is pending.
 */
export function bootedVsAssigned(
  host: { release: string; assignedVersion: string | null; assignedInitrdSha256: string | null },
  boot: { releaseVersion: string | null; initrdSha256: string | null } | null,
) {
  if (!boot) return { bootedRelease: null, bootedVersion: null, bootedLabel: null, staleOverlay: false, rebootPending: false };
  const reported = boot.releaseVersion;
  const at = reported?.lastIndexOf("@") ?? -1;
  const bootedRelease = reported && at >= 0 ? reported.slice(0, at) : host.release;
  const bootedVersion = reported && at >= 0 ? reported.slice(at + 1) : reported;
  const staleOverlay = !!boot.initrdSha256 && !!host.assignedInitrdSha256 && boot.initrdSha256 !== host.assignedInitrdSha256;
  const rebootPending = (host.assignedVersion !== null && (bootedVersion !== host.assignedVersion || bootedRelease !== host.release)) || staleOverlay;
  /** "release@version" it booted: the booted release's, which may differ from the assigned one */
  const bootedLabel = bootedVersion ? `${bootedRelease}@${bootedVersion}` : null;
  return { bootedRelease, bootedVersion, bootedLabel, staleOverlay, rebootPending };
}
