import type { PowerDriverName } from "./types";

// A host's effective BMC: its own settings, each falling back to its network's. Pure: the caller
// loads the columns and opens the sealed password.

export interface BmcColumns {
  bmcDriver: PowerDriverName | null;
  bmcUser: string | null;
  bmcPassword: string | null;
  bmcInsecure: boolean | null;
  bmcCommand: string | null;
}

export interface EffectiveBmc {
  driver: PowerDriverName;
  address: string | null;
  user: string | null;
  /** sealed, as stored */
  sealedPassword: string | null;
  insecure: boolean;
  command: string | null;
  /** which settings came from the network */
  inherited: ("driver" | "user" | "password" | "insecure" | "command")[];
}

export function effectiveBmc(host: BmcColumns & { bmcAddress: string | null }, network: BmcColumns): EffectiveBmc | null {
  const driver = host.bmcDriver ?? network.bmcDriver;
  if (!driver) return null;
  const inherited: EffectiveBmc["inherited"] = [];
  const pick = <K extends "driver" | "user" | "password" | "insecure" | "command", V>(key: K, own: V | null, net: V | null): V | null => {
    if (own !== null) return own;
    if (net !== null) inherited.push(key);
    return net;
  };
  pick("driver", host.bmcDriver, network.bmcDriver);
  return {
    driver,
    address: host.bmcAddress,
    user: pick("user", host.bmcUser, network.bmcUser),
    sealedPassword: pick("password", host.bmcPassword, network.bmcPassword),
    insecure: pick("insecure", host.bmcInsecure, network.bmcInsecure) ?? false,
    command: pick("command", host.bmcCommand, network.bmcCommand),
    inherited,
  };
}

/** A host's effective BMC and why it cannot be used (null: it can), or null without any BMC. */
export function usableBmc(host: BmcColumns & { bmcAddress: string | null }, network: BmcColumns) {
  const bmc = effectiveBmc(host, network);
  return bmc ? { bmc, problem: bmcProblem(bmc) } : null;
}

/** Why this BMC cannot be used as it is (null: it can), naming the field to fix. */
export function bmcProblem(b: EffectiveBmc): { field: "address" | "command"; message: string } | null {
  if (b.driver === "command")
    return b.command
      ? null
      : { field: "command", message: "The command driver needs the name of an executable in the power directory (BMC command), on the host or its network" };
  if (!b.address) return { field: "address", message: `An ${b.driver === "ipmi" ? "IPMI" : "Redfish"} BMC needs an address` };
  if (b.driver === "ipmi") {
    if (/^[a-z]+:\/\//i.test(b.address))
      return { field: "address", message: "An IPMI BMC's address is a host name or IP address, optionally with :port, not a URL" };
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(b.address))
      return { field: "address", message: "An IPMI BMC's address is a host name or IP address, optionally with :port" };
  }
  if (b.driver === "redfish") {
    const url = /^[a-z]+:\/\//i.test(b.address) ? b.address : `https://${b.address}`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { field: "address", message: "A Redfish BMC's address is https://host[:port] or the whole URL of its ComputerSystem" };
    }
    if (parsed.protocol === "http:" && !b.insecure)
      return { field: "address", message: "A Redfish BMC is reached over https://; plain http:// only for a BMC marked insecure" };
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return { field: "address", message: "A Redfish BMC's address is an https:// URL" };
    if (parsed.username || parsed.password) return { field: "address", message: "Put the Redfish user and password in their own fields, not in the address" };
  }
  return null;
}
