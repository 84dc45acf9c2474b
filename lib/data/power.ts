import "server-only";
import fs from "node:fs";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { env, powerDir } from "@/lib/env";
import { invalid, notFound } from "@/lib/errors";
import type { HostQuery } from "@/lib/validation/host-query";
import { hostNamesMatching } from "./hosts";
import { mapLimit } from "@/lib/concurrency";
import { redact } from "@/lib/power/redact";
import { usableBmc, type BmcColumns } from "@/lib/power/target";
import { powerDriver } from "@/lib/power/drivers";
import type { BmcTarget, PowerAction, PowerState } from "@/lib/power/types";
import { authorize } from "./authorize";
import { HOST_BMC_SELECT, NETWORK_BMC_SELECT, openBmcPassword } from "./bmc-secret";
import { auditHosts } from "./host-rows";
import { log } from "@/lib/log";

// Power actions on hosts through their BMCs: one host or many (bounded concurrency, a time limit
// per BMC), each host's own answer, nothing thrown for a BMC's fault. Every action that can change
// a machine is audited with who asked, what, and each BMC's answer; a status read is not (it
// changes nothing, and the host page asks for it on every visit).

export interface PowerOutcome {
  host: string;
  ok: boolean;
  state?: PowerState;
  message: string;
  durationMs: number;
  /** the driver that answered; null: the host has no usable BMC (absent: not said) */
  driver?: string | null;
}


type HostBmcRow = { id: string; name: string; mac: string; ip: string; bmcAddress: string | null } & BmcColumns & { network: BmcColumns };

/** The driver's target for a host, or why it has none. */
function targetOf(h: HostBmcRow): { target: BmcTarget } | { problem: string } {
  const usable = usableBmc(h, h.network);
  if (!usable) return { problem: "no BMC: set one on the host (or a default driver on its network)" };
  const { bmc: b, problem } = usable;
  if (problem) return { problem: `BMC not usable: ${problem.message}` };
  let password: string | null = null;
  if (b.sealedPassword) {
    password = openBmcPassword(b.sealedPassword);
    if (password === null) return { problem: "the stored BMC password cannot be decrypted (the server secret changed since it was set): set the password again" };
  }
  return { target: { host: h.name, mac: h.mac, ip: h.ip, driver: b.driver, address: b.address ?? "", user: b.user, password, insecure: b.insecure, command: b.command } };
}

let caCache: { file: string; ca: Buffer } | undefined;
function bmcCa(): Buffer | undefined {
  const file = env().AFSBOOT_BMC_CA_FILE;
  if (!file) return undefined;
  if (caCache?.file !== file) caCache = { file, ca: fs.readFileSync(/*turbopackIgnore: true*/ file) };
  return caCache.ca;
}


async function runOne(h: HostBmcRow, action: PowerAction, signal?: AbortSignal): Promise<PowerOutcome> {
  const t = targetOf(h);
  if ("problem" in t) return { host: h.name, ok: false, message: t.problem, durationMs: 0, driver: null };
  const { target } = t;
  const driver = powerDriver(target.driver, { powerDir: powerDir(), ca: bmcCa(), ipmiCipherSuite: env().AFSBOOT_IPMI_CIPHER_SUITE });
  if (!driver.supports(action)) return { host: h.name, ok: false, message: `the ${target.driver} driver cannot do ${action}`, durationMs: 0, driver: target.driver };
  const started = Date.now();
  try {
    const r = await driver.run(target, action, { timeoutMs: env().AFSBOOT_POWER_TIMEOUT * 1000, signal });
    return { host: h.name, ok: r.ok, ...(r.state ? { state: r.state } : {}), message: redact(r.message, target.password), durationMs: r.durationMs, driver: target.driver };
  } catch (e) {
    // a driver's own bug, not the BMC's fault: still this host's error only
    const message = redact(e instanceof Error ? e.message : String(e), target.password);
    log.error("power driver failed", { host: h.name, driver: target.driver, action, message });
    return { host: h.name, ok: false, message: `the ${target.driver} driver failed: ${message}`, durationMs: Date.now() - started, driver: target.driver };
  }
}

/**
 * Runs `action` on each named host's BMC, AFSBOOT_POWER_PARALLEL at a time, each within
 * AFSBOOT_POWER_TIMEOUT. Unknown host names are refused before any BMC is asked (404).
 */
export async function powerHosts(actor: Actor, hostNames: string[], action: PowerAction, opts: { signal?: AbortSignal } = {}): Promise<PowerOutcome[]> {
  authorize(actor, action === "status" ? "viewer" : "operator");
  const names = [...new Set(hostNames)];
  const rows: HostBmcRow[] = [];
  for (let i = 0; i < names.length; i += 500)
    rows.push(...(await db.host.findMany({ where: { name: { in: names.slice(i, i + 500) } }, select: { id: true, name: true, mac: true, ip: true, ...HOST_BMC_SELECT, network: { select: NETWORK_BMC_SELECT } } })));
  const byName = new Map(rows.map((r) => [r.name, r]));
  const missing = names.filter((n) => !byName.has(n));
  if (missing.length) throw notFound(missing.length === 1 ? `Host ${missing[0]}` : `Hosts ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}`);
  const ordered = names.map((n) => byName.get(n)!);
  const outcomes = await mapLimit(ordered, env().AFSBOOT_POWER_PARALLEL, (h) => runOne(h, action, opts.signal));
  if (action !== "status") {
    await db.$transaction((tx) =>
      auditHosts(
        tx,
        actor,
        `host.power.${action}`,
        outcomes.map((o, i) => ({ id: ordered[i]!.id, name: o.host, after: { action, ok: o.ok, ...(o.state ? { state: o.state } : {}), answer: o.message.slice(0, 500) } as never })),
      ),
    );
  }
  return outcomes;
}

/** One host's power state (the host page and GET /api/v1/hosts/{name}/power). */
export async function hostPower(actor: Actor, name: string): Promise<PowerOutcome> {
  const [r] = await powerHosts(actor, [name], "status");
  return r!;
}

/** Ids of the hosts (of these) that have a usable BMC: their own or their network's settings, complete. */
export async function hostsWithBmc(hostIds: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < hostIds.length; i += 500) {
    const rows = await db.host.findMany({ where: { id: { in: hostIds.slice(i, i + 500) } }, select: { id: true, ...HOST_BMC_SELECT, network: { select: NETWORK_BMC_SELECT } } });
    for (const r of rows) {
      if (usableBmc(r, r.network)?.problem === null) out.add(r.id);
    }
  }
  return out;
}

/**
 * The bulk form: named hosts, or every host matching the hosts table's filters. Refuses an empty
 * selection; answers each host's outcome and the counts.
 */
export async function powerOnMany(actor: Actor, action: PowerAction, names: string[] | null, query: HostQuery | null) {
  authorize(actor, action === "status" ? "viewer" : "operator");
  const hosts = names ?? (await hostNamesMatching(actor, query ?? {}));
  if (hosts.length === 0) throw invalid(names ? "Name at least one host" : "No host matches these filters", names ? { hosts: "Name at least one host" } : { query: "No host matches these filters" });
  const results = await powerHosts(actor, hosts, action);
  return { action, ok: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, results };
}

/**
 * Boots each host again, whatever its state: a host that is off is powered on, any other is power
 * cycled (a BMC may refuse to cycle a machine that is off). What a rollout does to each host of a
 * wave; each host's answer says which it was.
 */
export async function rebootHosts(actor: Actor, hostNames: string[]): Promise<PowerOutcome[]> {
  authorize(actor, "operator");
  const status = await powerHosts(actor, hostNames, "status");
  const off = status.filter((s) => s.ok && s.state === "off").map((s) => s.host);
  const isOff = new Set(off);
  const rest = hostNames.filter((n) => !isOff.has(n));
  const [on, cycled] = await Promise.all([off.length ? powerHosts(actor, off, "on") : [], rest.length ? powerHosts(actor, rest, "cycle") : []]);
  const answers = new Map([...on.map((o) => ({ ...o, message: `was off, powered on: ${o.message}` })), ...cycled].map((o) => [o.host, o]));
  return hostNames.map((n) => answers.get(n)!);
}
