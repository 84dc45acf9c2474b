import { db } from "@/lib/db";
import { recordReport } from "@/lib/data/boot-ingest";
import { tickRollouts } from "@/lib/data/rollout-driver";
import type { PowerPort } from "@/lib/data/rollout-power";
import type { RolloutState } from "@/lib/generated/prisma/client";
import { enrollHosts } from "@/lib/data/host-bulk";
import { publish } from "@/lib/data/publish";
import { createVersion, setVersionStatus } from "@/lib/data/releases";
import { exportDir } from "@/lib/env";
import type { Stage } from "@/lib/boot/stages";
import { operator } from "./actors";
import { hostIn, seedPublishable } from "./fleet-fixtures";

// A fleet to roll out on, for the rollout tests and the child process of the SIGKILL test: rh-7.3
// with active versions 1, 2 and 3, `n` hosts pinned to @1 (a BMC each, the `command` driver),
// published, and each host's last boot up on @1 with its overlay. Boot reports go in through the
// real ingest path (recordReport), at the times the test says.

export const V1 = "rh-7.3@1";

/** DHCP daemons' checks skipped (reported as skipped): rollouts publish often, and what they publish is tested elsewhere. */
export function skipDhcpChecks() {
  process.env.AFSBOOT_DHCPD = "/nonexistent/dhcpd";
  process.env.AFSBOOT_KEA_DHCP4 = "/nonexistent/kea-dhcp4";
  process.env.AFSBOOT_DNSMASQ = "/nonexistent/dnsmasq";
}

export async function seedRolloutFleet(root: string, n: number, bootedAt: Date): Promise<void> {
  skipDhcpChecks();
  await seedPublishable(root);
  await enrollHosts(
    operator,
    Array.from({ length: n }, (_, i) => hostIn(i + 1, { release: { release: "rh-7.3", version: "1" } })),
  );
  await db.host.updateMany({ data: { bmcDriver: "command", bmcAddress: "outlet", bmcCommand: "outlet" } });
  await setVersionStatus(operator, "rh-7.3", "2", "active");
  const v = { kernel: "vmlinuz", baseInitrd: "initrd.img", modules: ["e1000"], readonly: ["usr", "opt"], writable: ["etc"], tmpfsSize: "90M", notes: "" };
  await createVersion(operator, "rh-7.3", { ...v, version: "3" }, { activate: true });
  await publish(operator, { outDir: exportDir() });
  for (const h of await db.host.findMany({ select: { name: true } })) await bootAsAssigned(h.name, bootedAt);
}

let boots = 0;

/** One boot of a host through the ingest path: its stages from `at`, a second apart, each with what it booted. */
export async function reportBoot(name: string, at: Date, what: { version: string; sha: string | null; stages?: Stage[]; failAt?: Stage; message?: string }) {
  const h = await db.host.findUniqueOrThrow({ where: { name }, select: { id: true, mac: true } });
  const bootId = `boot-${name}-${++boots}-${at.getTime()}`;
  const stages: Stage[] = what.stages ?? (what.failAt ? ["dhcp", "initrd", "network", "failed"] : ["dhcp", "initrd", "network", "afs", "root", "switch", "up"]);
  for (const [i, stage] of stages.entries()) {
    await recordReport(
      h.id,
      {
        mac: h.mac,
        bootId,
        stage,
        ...(stage === "failed" ? { failedStage: what.failAt, message: what.message ?? "something broke" } : {}),
        ...(stage !== "dhcp" && what.sha ? { initrdSha256: what.sha } : {}),
        ...(stage !== "dhcp" ? { releaseVersion: what.version } : {}),
      },
      new Date(at.getTime() + i * 1000),
    );
  }
}

/** The host boots what it is assigned now (its pinned version, the overlay its last publication gave it), up or failing at a stage. */
export async function bootAsAssigned(name: string, at: Date, failAt?: Stage) {
  const h = await db.host.findUniqueOrThrow({
    where: { name },
    select: { assignedInitrdSha256: true, release: { select: { name: true } }, pinnedVersion: { select: { version: true } } },
  });
  await reportBoot(name, at, {
    version: `${h.release.name}@${h.pinnedVersion!.version}`,
    sha: h.assignedInitrdSha256,
    failAt,
    message: failAt ? `cannot mount the tree at ${failAt}` : undefined,
  });
}

/** The tests' own clock: every tick and every report happens at a time it gives, never the wall clock's. */
export function testClock(start = new Date()) {
  let now = start;
  return { later: (seconds: number) => (now = new Date(now.getTime() + seconds * 1000)), now: () => now };
}
export type TestClock = ReturnType<typeof testClock>;

export type Behaviour = "up" | "fail" | "silent";
export type Behave = (host: string, version: string) => Behaviour;

/**
 * Each host of the rollout that waits for its boot after a cycle (or is found in `cycling`)
 * boots once, as `behave` says for the version it was given: up, failing at afs, or not at all.
 */
export async function bootWaiting(id: string, behave: Behave, clock: TestClock, booted = new Set<string>()) {
  for (const h of await db.rolloutHost.findMany({ where: { rolloutId: id, state: { in: ["waiting", "rollback_waiting", "cycling", "rollback_cycling"] } } })) {
    const key = `${h.id} ${h.state.replace("cycling", "waiting")} ${h.cycledAt?.toISOString()}`;
    if (booted.has(key)) continue;
    booted.add(key);
    const b = behave(h.hostName, h.expectedVersion!);
    if (b !== "silent") await bootAsAssigned(h.hostName, clock.later(1), b === "fail" ? "afs" : undefined);
  }
}

/** Ticks (5 s of the test's clock apart) until the rollout is in one of `until`, the hosts booting as `behave` says. */
export async function driveRollout(id: string, behave: Behave, until: RolloutState[], opts: { clock: TestClock; power: PowerPort; owner?: string }) {
  const booted = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const r = await db.rollout.findUniqueOrThrow({ where: { id } });
    if (until.includes(r.state)) return r;
    const t = await tickRollouts(opts.owner ?? "test-owner", { now: opts.clock.later(5), power: opts.power });
    if (t.errors.length) throw new Error(`tick failed: ${t.errors.map((e) => e.message).join("; ")}`);
    await bootWaiting(id, behave, opts.clock, booted);
  }
  throw new Error(`rollout ${id} did not reach ${until.join(" or ")}`);
}
