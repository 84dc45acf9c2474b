import type { PowerAction, PowerDriverName, PowerState } from "./types";

// Power control in words, for the host page, the hosts table's bulk menu and their dialogs. Pure.

export const DRIVER_LABELS: Record<PowerDriverName, string> = { ipmi: "IPMI", redfish: "Redfish", command: "Command" };

/** The buttons' and menu items' labels. */
export const ACTION_LABELS: Record<PowerAction, string> = {
  status: "Status",
  on: "On",
  off: "Off",
  cycle: "Power cycle",
  reset: "Reset",
  pxe: "PXE next boot",
};

/** The verb of an action on hosts, as a confirmation or a result names it ("Power cycle 12 hosts?"). */
const VERBS: Record<PowerAction, string> = {
  status: "Read the power state of",
  on: "Power on",
  off: "Power off",
  cycle: "Power cycle",
  reset: "Reset",
  pxe: "Set PXE next boot on",
};

/** "Power cycle" (a confirmation's title and button: "Power cycle host node001?"). */
export const actionVerb = (action: PowerAction) => VERBS[action];

/** Actions that cut a running machine short: asked for confirmation first. */
const CONFIRMED: ReadonlySet<PowerAction> = new Set(["off", "cycle", "reset"]);
export const needsConfirmation = (action: PowerAction) => CONFIRMED.has(action);

/** What an action that needs confirmation does to a running machine. */
export const CONSEQUENCES: Partial<Record<PowerAction, string>> = {
  off: "The power is cut at once, without a shutdown: whatever runs is stopped and unsaved work is lost.",
  cycle: "The power is cut and switched on again, without a shutdown: whatever runs is stopped and the host boots again.",
  reset: "The host restarts at once, without a shutdown: whatever runs is stopped and the host boots again.",
};

import { fmtCount, hostCount } from "@/lib/plural";

export { hostCount };

/** "Power cycle 12 hosts" (the confirmation's button; with "?" its title). */
export const actionOnHosts = (action: PowerAction, n: number) => `${VERBS[action]} ${hostCount(n)}`;

export const stateLabel = (state: PowerState | undefined) => state ?? "unknown";

export interface OutcomeLike {
  ok: boolean;
}

/** "2 hosts: 1 ok, 1 failed" */
export function outcomeSummary(results: readonly OutcomeLike[]): string {
  const ok = results.filter((r) => r.ok).length;
  return `${hostCount(results.length)}: ${fmtCount(ok)} ok, ${fmtCount(results.length - ok)} failed`;
}

export type BmcSetting = "driver" | "user" | "password" | "insecure" | "command";
const SETTING_LABELS: Record<BmcSetting, string> = { driver: "driver", user: "user", password: "password", insecure: "certificate check", command: "command" };

/** "driver, user and password come from network lab" (null: none do). */
export function inheritedText(inherited: readonly BmcSetting[], network: string): string | null {
  if (inherited.length === 0) return null;
  const names = inherited.map((s) => SETTING_LABELS[s]);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `${list} ${names.length === 1 ? "comes" : "come"} from network ${network}`;
}
