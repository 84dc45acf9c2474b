import { runProgram } from "../publish/run";
import { redact } from "./redact";
import type { BmcTarget, PowerAction, PowerDriver, PowerOptions, PowerResult, PowerState } from "./types";

// The ipmi driver: IPMI 2.0 over LAN (RMCP+, "lanplus") through Debian's ipmitool. The password
// goes to ipmitool in its environment (-E reads IPMI_PASSWORD), never on its command line, where
// `ps` would show it. ipmitool runs with -v: without it, a wrong password, an unknown user and a
// BMC that does not answer all end in the same "Unable to establish IPMI v2 / RMCP+ session"; with
// it, ipmitool names the cause on the line before (texts from ipmitool 1.8.19 against OpenIPMI's
// ipmi_sim 2.0.33, lib/power/ipmi.test.ts).

const ARGS: Record<PowerAction, string[]> = {
  status: ["chassis", "power", "status"],
  on: ["chassis", "power", "on"],
  off: ["chassis", "power", "off"],
  cycle: ["chassis", "power", "cycle"],
  reset: ["chassis", "power", "reset"],
  // Legacy and UEFI firmware alike: "options=efiboot" would force the UEFI boot type, which some
  // BMCs refuse and which turns a BIOS host's next boot into a UEFI one.
  pxe: ["chassis", "bootdev", "pxe"],
};

/** What ipmitool prints when the action was done (it exits 0 even when a boot parameter was refused). */
const DONE: Record<Exclude<PowerAction, "status">, RegExp> = {
  on: /^Chassis Power Control: Up\/On$/m,
  off: /^Chassis Power Control: Down\/Off$/m,
  cycle: /^Chassis Power Control: Cycle$/m,
  reset: /^Chassis Power Control: Reset$/m,
  pxe: /^Set Boot Device to pxe$/m,
};

/** ipmitool's chatter under -v, even when all goes well: never the reason of a failure. */
const CHATTER = [
  /^Loading IANA PEN Registry/,
  /^Unable to Get Channel Cipher Suites$/,
  /^Running Get VSO Capabilities/,
  /^Invalid completion code received: Invalid command$/,
  /^Discovered IPMB address/,
  /^\(stopped by SIG/,
];

const CAUSES: { test: RegExp; says: (bmc: string, user: string) => string }[] = [
  { test: /RAKP 2 HMAC is invalid/, says: (bmc, user) => `BMC ${bmc} refused the password of user ${user}` },
  { test: /unauthorized name/, says: (bmc, user) => `BMC ${bmc} does not know user ${user}` },
  {
    test: /Get Auth Capabilities error|Error issuing Get Channel Authentication Capabilities|Insufficient resources for session|No response from remote controller/,
    says: (bmc) => `BMC ${bmc} gave no answer (unreachable, wrong address or port, or IPMI over LAN off)`,
  },
  {
    test: /unauthorized role or privilege|requested privilege level/i,
    says: (bmc, user) => `BMC ${bmc} does not give user ${user} the operator privilege power control needs`,
  },
];

export interface IpmiAddress {
  host: string;
  port: number | null;
}

/**
 * `host`, `host:port`, `[v6]` or `[v6]:port` (a bare IPv6 address has no port); null when it is not
 * an address ipmitool may take as -H (a leading '-' would be read as an option).
 */
export function parseIpmiAddress(address: string): IpmiAddress | null {
  const m = /^\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\](?::(\d{1,5}))?$/.exec(address) ?? /^([A-Za-z0-9][A-Za-z0-9.-]*)(?::(\d{1,5}))?$/.exec(address);
  if (m) {
    const port = m[2] === undefined ? null : Number(m[2]);
    if (port !== null && (port < 1 || port > 65535)) return null;
    return { host: m[1]!, port };
  }
  if (/^[0-9A-Fa-f]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/.test(address)) return { host: address, port: null };
  return null;
}

/**
 * ipmitool's own timeout per request (-N, seconds) and retries (-R) so that a BMC that never
 * answers ends inside the budget. Measured (ipmitool 1.8.19, lanplus): a silent BMC costs
 * 2 × (R×N + R(R−1)/2) s, each retry waiting one second longer; -R 0 means ipmitool's default (4).
 */
export function ipmitoolTimeouts(timeoutMs: number): { seconds: number; retries: number } {
  const budget = (timeoutMs / 1000) * 0.8;
  const seconds = Math.max(1, Math.min(5, Math.floor(budget / 8)));
  let retries = 1;
  while (retries < 4 && 2 * ((retries + 1) * seconds + ((retries + 1) * retries) / 2) <= budget) retries++;
  return { seconds, retries };
}

/** ipmitool's meaningful lines, its chatter left out. */
function meaningful(output: string): string[] {
  return output
    .split("\n")
    .map((l) => l.replace(/^>\s*/, "").trim())
    .filter((l) => l !== "" && !CHATTER.some((c) => c.test(l)));
}

function explain(target: BmcTarget, output: string, code: number | null): string {
  const lines = meaningful(output);
  const last = lines.at(-1) ?? `ipmitool ended with code ${code ?? "none"} and no message`;
  const user = target.user ?? "(anonymous)";
  const cause = CAUSES.find((c) => lines.some((l) => c.test.test(l)));
  if (!cause) return `ipmitool: ${last}`;
  const detail = lines.find((l) => cause.test.test(l));
  return `${cause.says(target.address, user)} (ipmitool: ${detail && detail !== last ? `${detail}; ` : ""}${last})`;
}

export interface IpmiDriverOptions {
  /** the ipmitool program (default: from PATH) */
  ipmitool?: string;
  /**
   * RMCP+ cipher suite (-C). Unset, ipmitool 1.8.19 asks the BMC which it offers; a BMC that does
   * not answer that query (OpenIPMI's ipmi_sim 2.0.33) costs a whole round of timeouts before
   * ipmitool falls back to suite 3, so the lab sets 3. 17 (SHA-256) is what newer BMCs prefer.
   */
  cipherSuite?: number;
}

export function ipmiDriver(options: IpmiDriverOptions = {}): PowerDriver {
  const bin = options.ipmitool ?? "ipmitool";
  const cipher = options.cipherSuite;
  if (cipher !== undefined && !(Number.isInteger(cipher) && cipher >= 0 && cipher <= 17)) throw new Error(`ipmi driver: cipher suite ${cipher} is not 0 to 17`);
  return {
    supports: () => true,
    async run(target: BmcTarget, action: PowerAction, opts: PowerOptions): Promise<PowerResult> {
      const started = Date.now();
      const answer = (ok: boolean, message: string, state?: PowerState): PowerResult => ({
        ok,
        ...(state ? { state } : {}),
        message: redact(message, target.password),
        durationMs: Date.now() - started,
      });
      const address = parseIpmiAddress(target.address);
      if (!address) return answer(false, `not an IPMI address: "${target.address}" (host, host:port or [IPv6]:port)`);
      if (opts.signal?.aborted) return answer(false, "cancelled before ipmitool ran");

      const { seconds, retries } = ipmitoolTimeouts(opts.timeoutMs);
      const args = ["-I", "lanplus", "-H", address.host, ...(address.port ? ["-p", String(address.port)] : [])];
      if (target.user !== null) args.push("-U", target.user);
      if (target.password !== null) args.push("-E");
      if (cipher !== undefined) args.push("-C", String(cipher));
      args.push("-N", String(seconds), "-R", String(retries), "-v", ...ARGS[action]);
      // a small environment of its own: the console's secrets stay out of it, messages in English
      const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" };
      if (target.password !== null) env.IPMI_PASSWORD = target.password;

      const r = await runProgram(bin, args, opts.timeoutMs, 20_000, { env, signal: opts.signal });
      if (opts.signal?.aborted) return answer(false, `cancelled: ipmitool stopped (${target.address})`);
      if (r.signal === "SIGKILL") return answer(false, `BMC ${target.address} gave no answer within ${opts.timeoutMs / 1000} s (ipmitool stopped)`);
      if (r.code === null) return answer(false, `ipmitool did not run: ${meaningful(r.output).at(-1) ?? "no reason given"}`);
      if (r.code !== 0) return answer(false, explain(target, r.output, r.code));

      if (action === "status") {
        const m = /^Chassis Power is (on|off)$/m.exec(r.output);
        return m ? answer(true, `Chassis Power is ${m[1]}`, m[1] as PowerState) : answer(false, `unexpected answer: ${meaningful(r.output).at(-1) ?? "none"}`);
      }
      const done = DONE[action].exec(r.output);
      return done ? answer(true, done[0]) : answer(false, explain(target, r.output, r.code));
    },
  };
}
