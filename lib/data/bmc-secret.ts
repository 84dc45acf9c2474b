import "server-only";
import { serverSecret } from "@/lib/env";
import { openSecret, sealSecret } from "@/lib/crypto/secret-box";
import type { PowerDriverName } from "@/lib/power/types";

// BMC passwords at rest: sealed under a key derived from the server secret (never the database's).

const PURPOSE = "bmc-password";

/** The bmc* columns a network holds (its hosts' defaults), for Prisma selects. */
export const NETWORK_BMC_SELECT = { bmcDriver: true, bmcUser: true, bmcPassword: true, bmcInsecure: true, bmcCommand: true } as const;
/** A host's own bmc* columns: the network's, and its address. */
export const HOST_BMC_SELECT = { ...NETWORK_BMC_SELECT, bmcAddress: true } as const;

export const sealBmcPassword = (password: string) => sealSecret(serverSecret(), PURPOSE, password);

/** The password in the clear, for one driver call; null when it cannot be opened (the server secret changed). */
export const openBmcPassword = (sealed: string) => openSecret(serverSecret(), PURPOSE, sealed);

/** The bmc* columns of a network's (or host's, without the address) BMC input; an undefined password leaves the stored one. */
export function bmcColumns(bmc: { driver: PowerDriverName | null; user: string | null; password?: string | null; command: string | null }) {
  return {
    bmcDriver: bmc.driver,
    bmcUser: bmc.user,
    bmcCommand: bmc.command,
    ...(bmc.password === undefined ? {} : { bmcPassword: bmc.password === null ? null : sealBmcPassword(bmc.password) }),
  };
}

/**
 * A password given again (the fleet file's `{ env: NAME }` on every apply) that is the one stored
 * is no change: undefined (keep), so that applying the same file twice changes nothing.
 */
export function unlessStored<T extends { password?: string | null }>(bmc: T, sealed: string | null | undefined): T {
  return typeof bmc.password === "string" && sealed && openBmcPassword(sealed) === bmc.password ? { ...bmc, password: undefined } : bmc;
}
