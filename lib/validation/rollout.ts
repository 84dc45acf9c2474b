import { z } from "zod";
import { hostname, releaseRef, tag } from "./host";
import { slug } from "./common";

// Rollouts (lib/data/rollouts.ts): the start (and its preview) from the API, the CLI and the
// version page. Shapes only here; what needs the database (the version active, the selector
// matching hosts, their BMCs, other rollouts) is checked by the data layer, with the same 422.

/** "rh-7.3@2": a release and one of its versions. */
export const versionRef = releaseRef.transform((r, ctx) => {
  if (r.version === null) {
    ctx.addIssue({ code: "custom", message: `Name a version: ${r.release}@VERSION` });
    return z.NEVER;
  }
  return { release: r.release, version: r.version };
});

/** A count ("5", 5) or a percentage ("10%"). */
function countOrPercent(label: string, min: number) {
  return z.union([z.number(), z.string().trim()], { error: `${label} must be a number or a percentage like 10%` }).transform((v, ctx) => {
    const m = typeof v === "number" ? [String(v), String(v), undefined] : /^(\d{1,6})(%?)$/.exec(v);
    const n = m ? Number(m[1]) : NaN;
    const percent = typeof v === "string" && m?.[2] === "%";
    if (!Number.isInteger(n) || n < min || (percent && n > 100)) {
      ctx.addIssue({ code: "custom", message: `${label} must be a whole number of hosts (at least ${min}) or a percentage from ${Math.max(min, 1)}% to 100%` });
      return z.NEVER;
    }
    return percent ? { percent: n } : { count: n };
  });
}

export const rolloutSelector = z
  .strictObject({
    hosts: z.array(hostname).max(10_000, "at most 10,000 hosts by name").optional(),
    tags: z.array(tag).max(32, "at most 32 tags").optional(),
    network: slug("Network").optional(),
    release: slug("Release").optional(),
    /** hosts whose last boot reported this "release@version" */
    version: versionRef.optional(),
  })
  .refine((s) => !!(s.hosts?.length || s.tags?.length || s.network || s.release || s.version), {
    message: "Choose the hosts: by name, tag, network, release or the version they run",
  });
export type RolloutSelector = z.output<typeof rolloutSelector>;

const seconds = (label: string, min: number, fallback: number) =>
  z
    .number({ error: `${label} must be a number of seconds` })
    .int(`${label} must be a whole number of seconds`)
    .min(min, `${label} must be at least ${min} s`)
    .max(7 * 86_400, `${label} must be at most a week`)
    .default(fallback);

export const startRollout = z
  .strictObject({
    version: versionRef,
    selector: rolloutSelector,
    canary: z.number({ error: "The canary must be a number of hosts" }).int().min(0, "The canary cannot be negative").max(10_000).default(1),
    /** the size of each wave after the canary: a count or a percentage of all the rollout's hosts */
    wave: countOrPercent("The wave size", 1).default({ percent: 10 }),
    /** failures a wave after the canary may have: a count or a percentage of the wave */
    maxFailures: countOrPercent("The failure limit", 0).default({ count: 0 }),
    canaryMaxFailures: z.number({ error: "The canary's failure limit must be a number" }).int().min(0).max(10_000).default(0),
    pauseSeconds: seconds("The pause", 0, 0),
    reportDeadlineSeconds: seconds("The report deadline", 10, 300),
    upDeadlineSeconds: seconds("The up deadline", 10, 900),
    rollback: z.boolean().default(false),
    /** power: the console power-cycles each wave through the hosts' BMCs; manual: it waits for them to reboot */
    mode: z.enum(["power", "manual"], { error: "The mode is power or manual" }).default("power"),
  })
  .refine((r) => r.upDeadlineSeconds >= r.reportDeadlineSeconds, {
    path: ["upDeadlineSeconds"],
    message: "The up deadline must not be shorter than the report deadline",
  });
export type StartRolloutInput = z.input<typeof startRollout>;
export type StartRollout = z.output<typeof startRollout>;

/** POST /api/v1/rollouts?dryRun=1 previews. */
export const rolloutStartQuery = z.strictObject({ dryRun: z.enum(["0", "1", "true", "false"]).optional() });

/** The admin's levers on a rollout (lib/data/rollouts.ts moveRollout): POST /api/v1/rollouts/{id}/{lever}, the rollout page's buttons. */
export const ROLLOUT_LEVERS = ["pause", "resume", "abort", "rollback"] as const;
export type Lever = (typeof ROLLOUT_LEVERS)[number];
export const rolloutLever = z.strictObject({ id: z.string().min(1).max(100), lever: z.enum(ROLLOUT_LEVERS) });

export const ROLLOUT_STATES = ["running", "paused", "halted", "rolling_back", "completed", "rolled_back", "aborted"] as const;
export const rolloutListQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  state: z.enum(ROLLOUT_STATES).optional(),
  /** rollouts this host took part in (the host page's link) */
  host: hostname.optional(),
  /** rollouts to this version, "rh-7.3@2" (the version page's link) */
  version: versionRef.optional(),
});
export type RolloutListQuery = z.output<typeof rolloutListQuery>;
