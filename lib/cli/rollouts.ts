import { hostCount, plural } from "@/lib/plural";
import { Option, type Command } from "commander";
import { cliActor } from "@/lib/auth/roles";
import type { RolloutDetail } from "@/lib/data/rollouts";
import type { Lever } from "@/lib/validation/rollout";
import { CliError, parseOrFail } from "./io";

// `afsboot rollout start|status|pause|resume|abort|rollback`. The console's ticker drives
// rollouts; `--wait` follows one until it ends (exit 1 unless it completed), and `--drive` also
// drives it from this process, for a lab or a site without a running console (the lease keeps a
// console and the CLI from both driving it).

// loaded when a command runs, not at the CLI's start
const rollouts = () => import("@/lib/data/rollouts");

const SELECT_KINDS = ["host", "tag", "network", "release", "version"] as const;
const POLL_MS = 2_000;

/** "--select host:a,host:b --select tag:render" → the selector (the same kind: any of; different kinds: all of). */
export function parseSelect(values: string[]): Record<string, unknown> {
  const hosts: string[] = [];
  const tags: string[] = [];
  const single: Record<string, string> = {};
  for (const part of values
    .flatMap((v) => v.split(","))
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = part.indexOf(":");
    const kind = part.slice(0, at) as (typeof SELECT_KINDS)[number];
    const value = part.slice(at + 1);
    if (at < 1 || !SELECT_KINDS.includes(kind) || !value)
      throw new CliError(`--select ${JSON.stringify(part)}: use KIND:VALUE with KIND one of ${SELECT_KINDS.join(", ")}`);
    if (kind === "host") hosts.push(value);
    else if (kind === "tag") tags.push(value);
    else if (single[kind] !== undefined && single[kind] !== value)
      throw new CliError(`--select names two ${kind}s (${single[kind]}, ${value}): a host is in one ${kind}`);
    else single[kind] = value;
  }
  return { ...(hosts.length ? { hosts } : {}), ...(tags.length ? { tags } : {}), ...single };
}

/** The command-line name of each field of the start's input. */
const FLAGS: Record<string, string> = {
  version: "--version",
  selector: "--select",
  canary: "--canary",
  wave: "--wave",
  maxFailures: "--max-failures",
  canaryMaxFailures: "--canary-max-failures",
  pauseSeconds: "--pause",
  reportDeadlineSeconds: "--report-deadline",
  upDeadlineSeconds: "--up-deadline",
};

const numberOrText = (v: string | undefined) => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v);
const seconds = (label: string) => (v: string) => {
  if (!/^\d{1,7}$/.test(v)) throw new CliError(`${label} must be a number of seconds`);
  return Number(v);
};

const time = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, "Z") : "-");

/** A rollout in lines: its settings, the decision, each wave with its hosts. */
export function formatRollout(r: RolloutDetail): string {
  const s = r.settings;
  const lines = [
    `Rollout ${r.id}: ${r.version} to ${r.hostCount} hosts (${r.mode} mode): ${r.state.replace("_", " ")}, wave ${Math.min(r.currentWave + 1, r.waves)} of ${r.waves}`,
    `  started by ${r.actorName} at ${time(r.createdAt)}${r.finishedAt ? `, ended at ${time(r.finishedAt)}` : ""}; canary ${s.canary}, waves of ${s.wave}, at most ${s.maxFailures} failures a wave (canary ${s.canaryMaxFailures}), pause ${s.pauseSeconds} s, rollback ${s.rollback ? "on" : "off"}`,
  ];
  if (r.decision) lines.push(`  ${r.decision}`);
  for (const w of r.waveList) {
    const counts = Object.entries(w.counts)
      .map(([state, n]) => `${n} ${state.replace("_", " ")}`)
      .join(", ");
    lines.push(`${w.label} (${hostCount(w.hosts.length)}, limit ${w.limit}): ${counts}`);
    for (const h of w.hosts) lines.push(`  ${h.name.padEnd(20)} ${h.state.padEnd(18)} ${(h.stage ?? "-").padEnd(8)} ${h.reason ?? ""}`.trimEnd());
  }
  return lines.join("\n");
}

const FOLLOWED = ["running", "paused", "rolling_back"];

/** Follows a rollout until it is over or halted (driving it too with `drive`); exit 1 unless it completed. */
async function follow(id: string, drive: boolean): Promise<void> {
  const { DRIVER, tickRollouts } = await import("@/lib/data/rollout-driver");
  const { consolePowerPort } = await import("@/lib/data/rollout-power");
  const { processOwner } = await import("@/lib/data/rollout-ticker");
  const { getRollout } = await rollouts();
  const owner = processOwner();
  const power = consolePowerPort(DRIVER);
  let last = "";
  for (;;) {
    if (drive) {
      const t = await tickRollouts(owner, { power });
      for (const e of t.errors) console.error(`afsboot: note: ${e.message}`);
    }
    const r = await getRollout(cliActor(), id);
    const line = `${time(new Date())} ${r.state.replace("_", " ")}: ${r.decision ?? "started"}`;
    if (line.slice(21) !== last) console.log(line);
    last = line.slice(21);
    if (!FOLLOWED.includes(r.state)) {
      console.log(formatRollout(r));
      if (r.state !== "completed") throw new CliError(`rollout ${id} ended ${r.state.replace("_", " ")}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export function registerRolloutCommands(program: Command) {
  const rollout = program.command("rollout").description("roll a release version out to hosts in waves, gated by their boot reports");

  rollout
    .command("start")
    .description("start a rollout (or preview its waves with --dry-run)")
    .requiredOption("--version <release@version>", "the active version to roll out, e.g. rh-7.3@2")
    .option(
      "--select <kind:value,...>",
      "the hosts: host:NAME, tag:TAG, network:NAME, release:NAME, version:R@V (hosts running it); repeatable; the same kind: any of, different kinds: all of",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option("--canary <n>", "hosts in the canary wave", "1")
    .option("--wave <n|p%>", "the size of each later wave: a count or a percentage of all hosts", "10%")
    .option("--max-failures <n|p%>", "failures a later wave may have before the rollout halts", "0")
    .option("--canary-max-failures <n>", "failures the canary may have", "0")
    .option("--pause <seconds>", "pause between waves", seconds("--pause"))
    .option("--report-deadline <seconds>", "a host's first report must come within this after its power cycle", seconds("--report-deadline"))
    .option("--up-deadline <seconds>", "a host must be up within this after its power cycle", seconds("--up-deadline"))
    .option("--rollback", "on halt, roll the failed wave back to the version its hosts booted before")
    .option("--manual", "publish and wait for the hosts to reboot by themselves (hosts without a BMC)")
    .option("--dry-run", "print the waves, start nothing")
    .addOption(new Option("--wait", "follow the rollout until it ends; exit 1 unless it completed"))
    .addOption(new Option("--drive", "drive the rollout from this process while following it (no console running)"))
    .action(async (o: Record<string, string | string[] | number | boolean | undefined>) => {
      const { previewRollout, startRolloutFor } = await rollouts();
      const { startRollout } = await import("@/lib/validation/rollout");
      const input = await parseOrFail(
        startRollout,
        {
          version: o.version,
          selector: parseSelect(o.select as string[]),
          canary: numberOrText(o.canary as string),
          wave: numberOrText(o.wave as string),
          maxFailures: numberOrText(o.maxFailures as string),
          canaryMaxFailures: numberOrText(o.canaryMaxFailures as string),
          ...(o.pause !== undefined ? { pauseSeconds: o.pause } : {}),
          ...(o.reportDeadline !== undefined ? { reportDeadlineSeconds: o.reportDeadline } : {}),
          ...(o.upDeadline !== undefined ? { upDeadlineSeconds: o.upDeadline } : {}),
          rollback: !!o.rollback,
          mode: o.manual ? "manual" : "power",
        },
        FLAGS,
      );
      if (o.dryRun) {
        const p = await previewRollout(cliActor(), input);
        console.log(`Would roll ${p.version} out to ${p.hostCount} hosts (${p.mode} mode) in ${p.waves.length} waves:`);
        for (const w of p.waves) console.log(`${w.label} (${w.hosts.length}): ${w.hosts.join(" ")}`);
        return;
      }
      const r = await startRolloutFor(cliActor(), input);
      console.log(`started rollout ${r.id}: ${r.version} to ${hostCount(r.hostCount)} in ${plural(r.waves, "wave")}`);
      if (o.wait || o.drive) await follow(r.id, !!o.drive);
    });

  rollout
    .command("status [id]")
    .description("a rollout's waves, hosts and decision; without an id, the rollouts, newest first")
    .option("--wait", "follow the rollout until it ends; exit 1 unless it completed")
    .option("--drive", "drive the rollout from this process while following it (no console running)")
    .action(async (id: string | undefined, o: { wait?: boolean; drive?: boolean }) => {
      if (!id) {
        if (o.wait || o.drive) throw new CliError("--wait and --drive follow one rollout: name its id");
        const list = await (await rollouts()).listRollouts(cliActor());
        if (!list.items.length) console.log("No rollouts.");
        for (const r of list.items)
          console.log(
            `${r.id}  ${time(r.createdAt)}  ${r.version.padEnd(16)} ${String(r.hostCount).padStart(6)} hosts  ${r.state.padEnd(12)} ${r.decision ?? ""}`.trimEnd(),
          );
        return;
      }
      if (o.wait || o.drive) return follow(id, !!o.drive);
      console.log(formatRollout(await (await rollouts()).getRollout(cliActor(), id)));
    });

  // every lever of ROLLOUT_LEVERS, in its order (the type makes the list complete)
  const levers: Record<Lever, string> = {
    pause: "start nothing new (hosts already cycled are still watched)",
    resume: "go on with a paused rollout",
    abort: "stop it: hosts not yet touched are skipped for good",
    rollback: "roll a halted rollout's failed wave back",
  };
  for (const [lever, description] of Object.entries(levers) as [Lever, string][]) {
    rollout
      .command(`${lever} <id>`)
      .description(description)
      .action(async (id: string) => {
        const r = await (await rollouts()).moveRollout(cliActor(), id, lever);
        console.log(`rollout ${r.id}: ${r.state.replace("_", " ")}`);
      });
  }
}
