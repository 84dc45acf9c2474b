import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";

// The rollout driver's one door to power control: a port, so that the driver can be tested with
// a script standing in for the BMCs (lib/testing/script-bmc.ts) and wired here to the real thing.
//
// MERGE NOTE: lib/data/power.ts (powerHosts, hostsWithBmc) is written in parallel. When it lands,
// replace the two bodies marked below with:
//   import { powerHosts, hostsWithBmc as bmcHosts } from "./power";
//   cycle: (names) => powerHosts(actor, names, "cycle")
//   export const hostsWithBmc = bmcHosts;
// and drop the local PowerOutcome in favour of power.ts's.

/** One host's answer from its BMC (the shape of lib/data/power.ts's PowerOutcome). */
export interface PowerOutcome {
  host: string;
  ok: boolean;
  state?: "on" | "off" | "unknown";
  message: string;
  durationMs: number;
}

/** What the driver asks of power control: one power cycle per host, an answer per host, never a throw for a BMC's fault. */
export interface PowerPort {
  cycle(hostNames: string[]): Promise<PowerOutcome[]>;
}

/** The console's power control, acting as `actor` (audited by power control itself). */
export function consolePowerPort(actor: Actor): PowerPort {
  void actor;
  return {
    // MERGE: powerHosts(actor, hostNames, "cycle")
    cycle: async (hostNames) => hostNames.map((host) => ({ host, ok: false, message: "power control is not available in this build", durationMs: 0 })),
  };
}

/** The hosts (by id) with a usable BMC: a driver (their own or their network's) and their own address. */
export async function hostsWithBmc(hostIds: string[]): Promise<Set<string>> {
  // MERGE: power.ts's hostsWithBmc
  const out = new Set<string>();
  for (let i = 0; i < hostIds.length; i += 500) {
    const rows = await db.host.findMany({
      where: { id: { in: hostIds.slice(i, i + 500) }, bmcAddress: { not: null }, OR: [{ bmcDriver: { not: null } }, { network: { bmcDriver: { not: null } } }] },
      select: { id: true },
    });
    for (const r of rows) out.add(r.id);
  }
  return out;
}
