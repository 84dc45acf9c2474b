// Power control of a host through its BMC: the shared shape of the drivers (ipmi.ts, redfish.ts,
// command.ts). A driver never throws for a BMC's fault (unreachable, wrong password, slow, an odd
// answer): it answers ok=false with the driver's own message, so that a bulk action goes on with
// the other hosts and a rollout counts it as that host's failure.

export const POWER_DRIVERS = ["ipmi", "redfish", "command"] as const;
export type PowerDriverName = (typeof POWER_DRIVERS)[number];

/** status: read the power state; pxe: boot from the network once, at the next boot. */
export const POWER_ACTIONS = ["status", "on", "off", "cycle", "reset", "pxe"] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];

export type PowerState = "on" | "off" | "unknown";

/** Everything a driver needs about one host's BMC, resolved (the network's defaults applied) and decrypted. */
export interface BmcTarget {
  /** the host's name, MAC and IPv4 (the command driver passes them on) */
  host: string;
  mac: string;
  ip: string;
  driver: PowerDriverName;
  /**
   * ipmi: host or IPv4, optionally :port (623 by default);
   * redfish: https://host[:port] or a whole URL of the ComputerSystem (…/redfish/v1/Systems/1);
   * command: free text passed on as AFSBOOT_BMC_ADDRESS (an outlet, a PDU's address)
   */
  address: string;
  user: string | null;
  /** in the clear, only in memory, only for the driver's call */
  password: string | null;
  /** redfish: do not check the BMC's TLS certificate (the UI marks such a BMC as insecure) */
  insecure: boolean;
  /** command: the executable's file name, inside AFSBOOT_POWER_DIR */
  command: string | null;
}

export interface PowerResult {
  ok: boolean;
  /** the power state after the action when the BMC said it (always for status when ok) */
  state?: PowerState;
  /** the BMC's or driver's answer in words, one line or a few; never holds the password */
  message: string;
  durationMs: number;
}

export interface PowerOptions {
  /** the whole call, including retries and waiting on a Redfish task */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface PowerDriver {
  /** which actions this driver can do (pxe is not in every driver) */
  supports(action: PowerAction): boolean;
  run(target: BmcTarget, action: PowerAction, options: PowerOptions): Promise<PowerResult>;
}
