import "server-only";
import { db, type Tx } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { invalid } from "@/lib/errors";
import { planWaves, waveProblem } from "@/lib/rollout/plan";
import type { RolloutSelector, StartRollout } from "@/lib/validation/rollout";
import { hostsWithBmc } from "./power";

// What a rollout start (or its preview) would do, or why it is refused: the version must be
// active, the selector must match hosts, the waves must fit them, power mode needs a BMC on every
// host, and no host may already be in a rollout that is not over. Reads only: refusing changes nothing.

/** Rollouts in these states hold their hosts: another rollout may not take them. */
export const HOLDING_STATES = ["running", "paused", "halted", "rolling_back"] as const;

export interface StartPlan {
  version: { id: string; releaseId: string; label: string };
  hosts: { id: string; name: string }[];
  waves: string[][];
}

const listed = (names: string[], max = 10) => names.slice(0, max).join(", ") + (names.length > max ? ` and ${names.length - max} more` : "");

async function activeVersion(ref: StartRollout["version"]) {
  const label = `${ref.release}@${ref.version}`;
  const v = await db.releaseVersion.findFirst({ where: { version: ref.version, release: { name: ref.release } }, select: { id: true, releaseId: true, status: true } });
  if (!v) throw invalid(`There is no version ${label}`, { version: `There is no version ${label}` });
  if (v.status === "draft") throw invalid(`${label} is a draft: activate it before rolling it out`, { version: `${label} is a draft: activate it first` });
  if (v.status === "retired") throw invalid(`${label} is retired: roll out an active version`, { version: `${label} is retired` });
  return { id: v.id, releaseId: v.releaseId, label };
}

/** The selector as a host filter: each criterion given must hold (any of the names, any of the tags). */
async function selectorWhere(s: RolloutSelector): Promise<Prisma.HostWhereInput> {
  const and: Prisma.HostWhereInput[] = [];
  if (s.hosts?.length) {
    const found = new Set((await db.host.findMany({ where: { name: { in: s.hosts } }, select: { name: true } })).map((h) => h.name));
    const missing = s.hosts.filter((n) => !found.has(n));
    if (missing.length) throw invalid(`No host named ${listed(missing)}`, { "selector.hosts": `No host named ${listed(missing)}` });
    and.push({ name: { in: s.hosts } });
  }
  if (s.tags?.length) and.push({ tags: { some: { tag: { in: s.tags } } } });
  if (s.network) {
    if (!(await db.network.findUnique({ where: { name: s.network }, select: { id: true } })))
      throw invalid(`There is no network ${s.network}`, { "selector.network": `There is no network ${s.network}` });
    and.push({ network: { name: s.network } });
  }
  if (s.release) {
    if (!(await db.release.findUnique({ where: { name: s.release }, select: { id: true } })))
      throw invalid(`There is no release ${s.release}`, { "selector.release": `There is no release ${s.release}` });
    and.push({ release: { name: s.release } });
  }
  if (s.version) {
    const { release, version } = s.version;
    // reports carry "release@version"; hand-made ones the version alone (of the host's release)
    and.push({ OR: [{ lastBoot: { releaseVersion: `${release}@${version}` } }, { lastBoot: { releaseVersion: version }, release: { name: release } }] });
  }
  return { AND: and };
}

/** The hosts of `ids` that a rollout not over holds, with that rollout. */
export async function heldHosts(client: Tx | typeof db, ids: string[]): Promise<{ hostName: string; rolloutId: string; state: string }[]> {
  const out: { hostName: string; rolloutId: string; state: string }[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await client.rolloutHost.findMany({
      where: { hostId: { in: ids.slice(i, i + 500) }, rollout: { state: { in: [...HOLDING_STATES] } } },
      select: { hostName: true, rolloutId: true, rollout: { select: { state: true } } },
      orderBy: { hostName: "asc" },
    });
    out.push(...rows.map((r) => ({ hostName: r.hostName, rolloutId: r.rolloutId, state: r.rollout.state })));
  }
  return out;
}

/** Refuses hosts that another rollout not over holds, naming them and the rollout. */
export function refuseHeld(held: { hostName: string; rolloutId: string; state: string }[]): void {
  if (!held.length) return;
  const first = held[0]!;
  const others = new Set(held.map((h) => h.rolloutId)).size - 1;
  const message = `${held.length === 1 ? "Host" : "Hosts"} ${listed(held.map((h) => h.hostName))} ${held.length === 1 ? "is" : "are"} already in rollout ${first.rolloutId} (${first.state})${others ? ` and ${others} other rollout${others === 1 ? "" : "s"}` : ""}: abort it or wait for it to end`;
  throw invalid(message, { selector: message });
}

/** Everything a start needs, or the first refusal (a 422 naming the field). */
export async function planStart(input: StartRollout): Promise<StartPlan> {
  const version = await activeVersion(input.version);
  const hosts = await db.host.findMany({ where: await selectorWhere(input.selector), select: { id: true, name: true }, orderBy: { name: "asc" } });
  if (hosts.length === 0) throw invalid("The selector matches no host", { selector: "The selector matches no host" });
  const problem = waveProblem(hosts.length, { canary: input.canary, wave: input.wave });
  if (problem) throw invalid(problem.message, { [problem.field]: problem.message });
  if (input.mode === "power") {
    const withBmc = await hostsWithBmc(hosts.map((h) => h.id));
    const without = hosts.filter((h) => !withBmc.has(h.id)).map((h) => h.name);
    if (without.length) {
      const message = `${without.length === 1 ? "Host" : `${without.length} hosts`} ${listed(without)} ${without.length === 1 ? "has" : "have"} no BMC: set ${without.length === 1 ? "its" : "their"} BMC, or start a manual rollout (they reboot by themselves)`;
      throw invalid(message, { mode: message });
    }
  }
  refuseHeld(await heldHosts(db, hosts.map((h) => h.id)));
  return { version, hosts, waves: planWaves(hosts.map((h) => h.name), { canary: input.canary, wave: input.wave }) };
}
