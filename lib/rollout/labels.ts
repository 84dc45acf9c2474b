import { hostCount } from "@/lib/plural";
import type { RolloutHostState, RolloutState } from "@/lib/generated/prisma/enums";
import type { Lever } from "@/lib/validation/rollout";

// Rollouts and their hosts in words, for the pages and their tests: what each state is called,
// whether a rollout is over (its page stops polling), which levers an operator has in each state,
// and the counts of a wave or a rollout as a short sentence. Pure: no I/O, no clock.

export const ROLLOUT_STATE_LABELS: Record<RolloutState, string> = {
  running: "running",
  paused: "paused",
  halted: "halted",
  rolling_back: "rolling back",
  completed: "completed",
  rolled_back: "rolled back",
  aborted: "aborted",
};

export const HOST_STATE_LABELS: Record<RolloutHostState, string> = {
  pending: "pending",
  published: "published",
  cycling: "power cycling",
  waiting: "waiting for its boot",
  up: "up",
  failed: "failed",
  rollback_published: "rollback: published",
  rollback_cycling: "rollback: power cycling",
  rollback_waiting: "rollback: waiting for its boot",
  rolled_back: "rolled back",
  rollback_failed: "rollback failed",
  skipped: "skipped",
};

/** The order a rollout's counts are told in: from untouched to done. */
export const HOST_STATE_ORDER = Object.keys(HOST_STATE_LABELS) as RolloutHostState[];

const OVER: readonly RolloutState[] = ["completed", "rolled_back", "aborted"];

/** Over: nothing will change any more (the page stops polling, no lever applies). */
export const rolloutOver = (state: RolloutState) => OVER.includes(state);

/** The levers an operator may pull in a state, in the order the page shows them (as lib/data/rollouts.ts moveRollout allows). */
export function leversFor(state: RolloutState): Lever[] {
  switch (state) {
    case "running":
      return ["pause", "abort"];
    case "paused":
      return ["resume", "abort"];
    case "halted":
      return ["rollback", "abort"];
    case "rolling_back":
      return ["abort"];
    default:
      return [];
  }
}

export const LEVER_LABELS: Record<Lever, string> = { pause: "Pause", resume: "Resume", abort: "Abort", rollback: "Roll back" };

/** "3 up, 1 failed, 4 pending": the states present, in order; "no hosts" when there are none. */
export function countsText(counts: Partial<Record<RolloutHostState, number>>): string {
  const parts = HOST_STATE_ORDER.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${HOST_STATE_LABELS[s]}`);
  return parts.length ? parts.join(", ") : "no hosts";
}

/** "wave 2 of 5": the wave the rollout is at, counting from 1 (the canary is the first). */
export const progressText = (currentWave: number, waves: number) => `wave ${Math.min(currentWave + 1, Math.max(waves, 1))} of ${waves}`;

/** What an abort does, said before it is done: how many hosts are skipped, what becomes of the rest. */
export function abortConsequence(counts: Partial<Record<RolloutHostState, number>>): string {
  const pending = counts.pending ?? 0;
  const skipped = pending === 0 ? "No host is left to skip" : `${hostCount(pending)} not yet touched will be skipped and never touched`;
  return `${skipped}. Hosts already power-cycled are still watched to the end, for the record; a host published but not yet cycled keeps its new version and boots it at its next reboot.`;
}

/** Where a rollout stands, in one sentence beside the gate's last decision. */
export function stateSentence(state: RolloutState, version: string): string {
  switch (state) {
    case "running":
      return `Running: the console assigns, publishes, power-cycles and watches ${version} wave by wave.`;
    case "paused":
      return "Paused: nothing new starts; hosts already power-cycled are still watched, and a wave that fails still halts the rollout.";
    case "halted":
      return "Halted: a wave failed its gate. Later waves are never touched. Roll the failed wave back, or abort.";
    case "rolling_back":
      return "Halted, rolling back: the failed wave's hosts go back to the version each booted before. Later waves are never touched.";
    case "completed":
      return `Completed: every wave came up on ${version}.`;
    case "rolled_back":
      return "Rolled back: the failed wave's hosts went back to the version each booted before (their states say whether they came up on it).";
    case "aborted":
      return "Aborted: hosts not yet touched were skipped.";
  }
}

/** A stored selector (lib/validation/rollout.ts rolloutSelector's output) in words: "tag render or gpu, and network racks". */
export function selectorText(selector: unknown): string {
  if (!selector || typeof selector !== "object") return "—";
  const s = selector as { hosts?: string[]; tags?: string[]; network?: string; release?: string; version?: { release: string; version: string } };
  const list = (names: string[], max = 10) => names.slice(0, max).join(", ") + (names.length > max ? ` and ${names.length - max} more` : "");
  const parts = [
    s.hosts?.length ? `host${s.hosts.length === 1 ? "" : "s"} ${list(s.hosts)}` : null,
    s.tags?.length ? `tag ${s.tags.join(" or ")}` : null,
    s.network ? `network ${s.network}` : null,
    s.release ? `release ${s.release}` : null,
    s.version ? `running ${s.version.release}@${s.version.version}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length ? parts.join(", and ") : "—";
}
