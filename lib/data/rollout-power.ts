import "server-only";
import { rebootHosts, type PowerOutcome } from "./power";
import type { Actor } from "@/lib/auth/roles";

// The rollout driver's one door to power control: a port, so that the driver can be tested with
// a script standing in for the BMCs (lib/testing/script-bmc.ts) and wired here to the real thing.

export type { PowerOutcome } from "./power";

/** What the driver asks of power control: one reboot per host (on if off, else a power cycle), an answer per host, never a throw for a BMC's fault. */
export interface PowerPort {
  cycle(hostNames: string[]): Promise<PowerOutcome[]>;
}

/** The console's power control, acting as `actor` (audited by power control itself). */
export function consolePowerPort(actor: Actor): PowerPort {
  return { cycle: (hostNames) => rebootHosts(actor, hostNames) };
}
