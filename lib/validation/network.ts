import { z } from "zod";
import { networkBmcInput, type NetworkBmcInput } from "./bmc";
import { MAX_HOOK_PATH, hookPathProblem } from "@/lib/net/hook-path";
import { cidrContains, formatCidr, formatIpv4, formatIpv4Range, parseCidr, parseIpv4, parseIpv4Range, rangeContains, type Cidr } from "@/lib/net/ipv4";
import { isDnsName, isHostLabel } from "@/lib/net/names";
import { dnsName, flag, ipv4, list, optionalText, revision, slug, text } from "./common";
import { IDENTITY_ENROLMENTS, IDENTITY_MODES, type IdentityEnrolmentName, type IdentityModeName } from "@/lib/boot/identity-mode";

const httpUrl = (label: string, max = 300) =>
  text(label, max).refine(
    (v) => {
      try {
        const u = new URL(v);
        // it travels on kernel command lines and in shell scripts: plain characters only
        return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password && /^[A-Za-z0-9._:\/-]+$/.test(v);
      } catch {
        return false;
      }
    },
    { message: `${label} must be an http:// or https:// URL like http://10.0.0.1:3000 (no query, no credentials)` },
  );

export { MAX_HOOK_PATH };

/** A path on the DHCP server that dnsmasq (dhcp-script=), Kea (run_script's "name") and dhcpd (execute) run. */
const hookPath = (label: string) =>
  text(label, MAX_HOOK_PATH).superRefine((v, ctx) => {
    const problem = hookPathProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: `${label} ${problem}` });
  });

/** HTTP base URL of boot files (iPXE URLs travel in the 127-byte DHCP file field too: kept short). */
const bootFilesUrl = (label: string) =>
  z.preprocess(
    (v) => (v === "" || v === null ? undefined : typeof v === "string" ? v.replace(/\/*$/, "/") : v),
    text(label, 80)
      .regex(
        /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/([A-Za-z0-9._-]+\/)*$/,
        `${label} must be a plain http:// or https:// base URL like http://10.0.0.1:3000/boot/ (letters, digits, '.', '_', '-' in its path)`,
      )
      .optional(),
  );

export const MAX_BOOT_SERVERS = 8;
export const DHCP_FAILOVER_MODES = ["hot-standby", "load-balancing"] as const;
export type DhcpFailoverMode = (typeof DHCP_FAILOVER_MODES)[number];

/**
 * Where a publication is delivered for a boot server, as rsync names a destination: a local
 * absolute path, or [user@]host:/absolute/path (rsync over SSH). Plain characters only: it is
 * passed to rsync as one argument and shown in the UI.
 */
export function deliveryTargetProblem(v: string): string | null {
  const m = /^(?:(?:([a-z_][a-z0-9_.-]{0,31})@)?([A-Za-z0-9.-]+):)?(\/[A-Za-z0-9._+@%=/-]*)$/.exec(v);
  if (!m) return "must be an absolute path (/srv/afsboot) or [user@]host:/absolute/path, of letters, digits and . _ + @ % = / -";
  const [, , host, path] = m;
  if (host !== undefined && !isDnsName(host, { minLabels: 1 }) && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host))
    return `host ${JSON.stringify(host)} is not a host name or IPv4 address`;
  if (path!.split("/").some((s) => s === "." || s === "..")) return "may not hold . or .. path segments";
  if (/^\/+$/.test(path!)) return "may not be the root directory";
  return null;
}

const emptyToUndefined = (v: unknown) => (v === "" || v === null || (typeof v === "string" && v.trim() === "") ? undefined : v);

export const bootServerEntry = z.object({
  name: z.preprocess(
    emptyToUndefined,
    text("Boot server name", 63)
      .transform((v) => v.toLowerCase())
      .refine(isHostLabel, { message: "Boot server name must be a host name label like boot1 (a-z, 0-9, '-')" })
      .optional(),
  ),
  address: ipv4("Boot server address"),
  url: bootFilesUrl("Boot server HTTP URL"),
  deliverTo: z.preprocess(
    emptyToUndefined,
    text("Deliver to", 200)
      .superRefine((v, ctx) => {
        const problem = deliveryTargetProblem(v);
        if (problem) ctx.addIssue({ code: "custom", message: `Deliver to ${problem}` });
      })
      .optional(),
  ),
});

/** A named boot server of a network, as stored (Network.bootServers) and in the fleet file. */
export interface BootServer {
  name: string;
  address: string;
  url?: string;
  deliverTo?: string;
}

/** A form's row is blank when none of its fields holds anything (an "add server" row left empty). */
const blankRow = (v: unknown) =>
  typeof v === "object" &&
  v !== null &&
  Object.values(v as Record<string, unknown>).every((x) => x === undefined || x === null || (typeof x === "string" && x.trim() === ""));

/** Marks a required field left empty (a boot server, with no named ones; a report URL), so the field says "required". */
const REQUIRED = "\u0000required";

export const networkInput = z
  .preprocess(
    (v) => {
      if (typeof v !== "object" || v === null) return v;
      const o = v as Record<string, unknown>;
      const rows = Array.isArray(o.bootServers) ? o.bootServers.filter((r) => !blankRow(r)) : [];
      const needsServer = rows.length === 0 && emptyToUndefined(o.bootServer) === undefined;
      const needsReport = emptyToUndefined(o.reportUrl) === undefined && !(Array.isArray(o.reportUrls) && o.reportUrls.length);
      return needsServer || needsReport ? { ...o, ...(needsServer ? { bootServer: REQUIRED } : {}), ...(needsReport ? { reportUrl: REQUIRED } : {}) } : v;
    },
    z.object({
      name: slug("Name"),
      subnet: text("Subnet", 18),
      gateway: ipv4("Gateway"),
      dns: list(ipv4("DNS server")).pipe(z.array(z.string()).min(1, "at least one DNS server is required").max(8, "at most 8 DNS servers")),
      domain: z.preprocess((v) => (v === "" || v === null ? undefined : v), dnsName("Domain").optional()),
      // one unnamed boot server (the form's first row fills it when no name is given), or the first of bootServers
      bootServer: z.preprocess((v) => (v === REQUIRED ? "" : emptyToUndefined(v)), ipv4("Boot server").optional()),
      bootServers: z.preprocess(
        (v) => (Array.isArray(v) ? v.filter((row) => !blankRow(row)) : v),
        z.array(bootServerEntry).max(MAX_BOOT_SERVERS, `at most ${MAX_BOOT_SERVERS} boot servers`).optional(),
      ),
      dhcpFailover: z.preprocess(emptyToUndefined, z.enum(DHCP_FAILOVER_MODES, { error: "DHCP failover must be hot-standby or load-balancing" }).optional()),
      // one URL, or several (separated by spaces or commas, as the form's field takes them)
      reportUrl: z.preprocess((v) => (v === REQUIRED ? [""] : emptyToUndefined(v)), list(httpUrl("Report URL")).optional()),
      reportUrls: list(httpUrl("Report URL")).optional(),
      bootUrl: bootFilesUrl("Boot files URL"),
      discoveryRange: z.preprocess(
        (v) => (v === "" || v === null || (typeof v === "string" && v.trim() === "") ? undefined : v),
        text("Discovery range", 40).optional(),
      ),
      dhcpEventHook: z.preprocess((v) => (v === null || (typeof v === "string" && v.trim() === "") ? undefined : v), hookPath("DHCP event hook").optional()),
      /** hosts here are UEFI Secure Boot machines unless they say otherwise; absent: false */
      secureBoot: flag("Secure Boot"),
      /** BMC defaults of its hosts; absent: unchanged on update, none on create */
      bmc: z.preprocess((v) => (v === null ? undefined : v), networkBmcInput.optional()),
      /** how its hosts prove who they are to get their secrets (a host's own overrides); absent: none */
      identity: z.preprocess(
        emptyToUndefined,
        z.enum(IDENTITY_MODES, { error: "Host identity must be none, tpm or port (source address + privileged port, weaker)" }).default("none"),
      ),
      /** a TPM seen for the first time: approve (an admin approves it on the host page) or tofu (trust on first use); absent: approve */
      identityEnrolment: z.preprocess(
        emptyToUndefined,
        z.enum(IDENTITY_ENROLMENTS, { error: "First TPM seen must be approve (on the host page) or tofu (trust on first use)" }).default("approve"),
      ),
      notes: optionalText("Notes"),
    }),
  )
  .transform((v, ctx) => {
    const parsed = parseCidr(v.subnet);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", path: ["subnet"], message: `Subnet: ${parsed.reason}` });
      return z.NEVER;
    }
    const gw = parseIpv4(v.gateway)!;
    if (!cidrContains(parsed.cidr, gw)) {
      ctx.addIssue({ code: "custom", path: ["gateway"], message: `Gateway ${v.gateway} lies outside ${v.subnet}` });
    } else if (parsed.cidr.prefix < 31 && (gw === parsed.cidr.first || gw === parsed.cidr.last)) {
      ctx.addIssue({ code: "custom", path: ["gateway"], message: "Gateway cannot be the network or broadcast address" });
    }
    const servers = resolveBootServers(v, ctx);
    const reports = resolveReportUrls(v, ctx);
    if (!servers || !reports) return z.NEVER;
    const discoveryRange = v.discoveryRange === undefined ? null : checkDiscoveryRange({ ...v, ...servers, ...reports }, parsed.cidr, ctx);
    return {
      ...v,
      ...servers,
      ...reports,
      subnet: formatCidr(parsed.cidr),
      domain: v.domain ?? null,
      discoveryRange,
      dhcpEventHook: v.dhcpEventHook ?? null,
    };
  });

/** At most this many report URLs: each dead one costs a booting host its short timeout. */
export const MAX_REPORT_URLS = 4;

/**
 * The report URLs in their stored form: `reportUrl` (the first) and `reportUrls` (all of them, in
 * order, when there are two or more; else empty). null with an issue on the field.
 */
function resolveReportUrls(v: { reportUrl?: string[]; reportUrls?: string[] }, ctx: z.RefinementCtx): { reportUrl: string; reportUrls: string[] } | null {
  const issue = (path: string, message: string) => {
    ctx.addIssue({ code: "custom", path: [path], message });
    return null;
  };
  const given = v.reportUrl ?? [];
  const listed = v.reportUrls ?? [];
  if (given.length && listed.length && (given.length > 1 || given[0] !== listed[0]))
    return issue("reportUrl", `Report URL ${given.join(", ")} differs from the first of the report URLs ${listed[0]}: leave it out or make them equal`);
  const urls = listed.length ? listed : given;
  if (urls.length === 0) return issue("reportUrl", "Report URL is required");
  const field = listed.length ? "reportUrls" : "reportUrl";
  if (urls.length > MAX_REPORT_URLS) return issue(field, `at most ${MAX_REPORT_URLS} report URLs: a booting host waits for each dead one`);
  const twice = urls.find((u, i) => urls.indexOf(u) !== i);
  if (twice) return issue(field, `Report URL ${twice} is listed twice`);
  // they travel joined by commas on the kernel command line (afsboot.report=URL1,URL2)
  if (urls.join(",").length > 400) return issue(field, "the report URLs together are longer than 400 characters");
  return { reportUrl: urls[0]!, reportUrls: urls.length > 1 ? urls : [] };
}

/**
 * The network's boot servers in their stored form: `bootServer` (the first one's address) and
 * `bootUrl` for one unnamed server, or `bootServers` named, in order (first = primary). A single
 * row without a name and without a delivery target is the unnamed server (what the form's first
 * row is when a site has one boot server). null with issues on the fields.
 */
function resolveBootServers(
  v: { bootServer?: string; bootServers?: z.output<typeof bootServerEntry>[]; bootUrl?: string; dhcpFailover?: DhcpFailoverMode },
  ctx: z.RefinementCtx,
): { bootServer: string; bootUrl: string | null; bootServers: BootServer[]; dhcpFailover: DhcpFailoverMode | null } | null {
  const rows = v.bootServers ?? [];
  const issue = (path: (string | number)[], message: string) => {
    ctx.addIssue({ code: "custom", path, message });
    return null;
  };
  if (rows.length === 0 || (rows.length === 1 && rows[0]!.name === undefined && rows[0]!.deliverTo === undefined)) {
    const only = rows[0];
    const bootServer = only?.address ?? v.bootServer;
    if (bootServer === undefined) return issue(["bootServer"], "Boot server is required");
    if (only && v.bootServer !== undefined && v.bootServer !== only.address) {
      return issue(["bootServer"], `Boot server ${v.bootServer} differs from the first boot server's address ${only.address}`);
    }
    if (only?.url && v.bootUrl && only.url !== v.bootUrl) return issue(["bootUrl"], "Boot files URL is given twice with different values");
    if (v.dhcpFailover) return issue(["dhcpFailover"], "DHCP failover needs two or more named boot servers");
    return { bootServer, bootUrl: only?.url ?? v.bootUrl ?? null, bootServers: [], dhcpFailover: null };
  }
  let ok = true;
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  rows.forEach((row, i) => {
    if (row.name === undefined) {
      ok = issue(["bootServers", i, "name"], `Boot server ${i + 1} needs a name: with several boot servers (or a delivery target) each is named`) ?? false;
      return;
    }
    if (names.has(row.name))
      ok = issue(["bootServers", i, "name"], `Boot server name ${row.name} is listed twice (also server ${names.get(row.name)! + 1})`) ?? false;
    if (addresses.has(row.address))
      ok = issue(["bootServers", i, "address"], `Address ${row.address} is listed twice (also server ${addresses.get(row.address)! + 1})`) ?? false;
    names.set(row.name, i);
    addresses.set(row.address, i);
  });
  if (v.bootServer !== undefined && v.bootServer !== rows[0]!.address) {
    ok =
      issue(["bootServer"], `Boot server ${v.bootServer} differs from the first boot server's address ${rows[0]!.address}: leave it out or make them equal`) ??
      false;
  }
  if (v.bootUrl !== undefined)
    ok = issue(["bootUrl"], "With named boot servers, give each its own HTTP URL (url) instead of the network's boot files URL") ?? false;
  if (!ok) return null;
  const bootServers = rows.map(({ name, address, url, deliverTo }) => ({ name: name!, address, ...(url ? { url } : {}), ...(deliverTo ? { deliverTo } : {}) }));
  return {
    bootServer: rows[0]!.address,
    bootUrl: null,
    bootServers,
    dhcpFailover:
      rows.length >= 2
        ? (v.dhcpFailover ?? "hot-standby")
        : v.dhcpFailover
          ? (issue(["dhcpFailover"], "DHCP failover needs two or more boot servers") ?? null)
          : null,
  };
}

/** dhcpd keeps a lease record for every address of a pool: a range is a handful of machines, not a /8. */
export const MAX_DISCOVERY_RANGE = 65536;

/**
 * The discovery range, normalised to "START-END", or null with an issue on the field. Machines that
 * are not enrolled lease these addresses, so the range must hold no address someone else has: the
 * network and broadcast addresses, the gateway, boot server, DNS servers, the console's (report
 * and boot files URLs, when given as addresses). Enrolled hosts are checked in the data layer.
 */
function checkDiscoveryRange(
  v: {
    discoveryRange?: string;
    gateway: string;
    bootServer: string;
    bootServers: BootServer[];
    dns: string[];
    reportUrl: string;
    reportUrls: string[];
    bootUrl: string | null;
  },
  cidr: Cidr,
  ctx: z.RefinementCtx,
): string | null {
  const refuse = (message: string) => {
    ctx.addIssue({ code: "custom", path: ["discoveryRange"], message });
    return null;
  };
  const parsed = parseIpv4Range(v.discoveryRange!);
  if (!parsed.ok) return refuse("Discovery range must be two IPv4 addresses like 10.0.0.200-10.0.0.220 (first and last, both included)");
  const range = parsed.range;
  const text = formatIpv4Range(range);
  if (range.first > range.last) return refuse(`Discovery range ${text} starts after it ends: write the lower address first`);
  const subnet = formatCidr(cidr);
  if (!cidrContains(cidr, range.first) || !cidrContains(cidr, range.last)) {
    return refuse(`Discovery range ${text} lies outside the subnet ${subnet}: choose addresses inside it, or clear the range`);
  }
  if (cidr.prefix < 31 && rangeContains(range, cidr.first)) return refuse(`Discovery range ${text} includes the network address ${formatIpv4(cidr.first)}`);
  if (cidr.prefix < 31 && rangeContains(range, cidr.last)) return refuse(`Discovery range ${text} includes the broadcast address ${formatIpv4(cidr.last)}`);
  const size = range.last - range.first + 1;
  if (size > MAX_DISCOVERY_RANGE) return refuse(`Discovery range ${text} holds ${size} addresses; at most ${MAX_DISCOVERY_RANGE}`);
  const urlHost = (url: string | undefined) => {
    try {
      return url ? new URL(url).hostname : "";
    } catch {
      return "";
    }
  };
  const taken: [string, string][] = [
    ["the gateway", v.gateway],
    ["the boot server", v.bootServer],
    ...v.bootServers.flatMap((b): [string, string][] => [
      [`the boot server ${b.name}`, b.address],
      [`the HTTP URL's address of boot server ${b.name}`, urlHost(b.url)],
    ]),
    ...v.dns.map((d): [string, string] => ["the DNS server", d]),
    ...[v.reportUrl, ...v.reportUrls].map((u): [string, string] => ["the report URL's address", urlHost(u)]),
    ["the boot files URL's address", urlHost(v.bootUrl ?? undefined)],
  ];
  for (const [what, ip] of taken) {
    const n = parseIpv4(ip);
    if (n !== null && rangeContains(range, n))
      return refuse(`Discovery range ${text} includes ${what} ${ip}: machines that are not enrolled would be handed its address`);
  }
  return text;
}

/**
 * Validated input; `discoveryRange`, `dhcpEventHook`, `secureBoot` and the identity settings may be
 * left out by callers in code (absent: none, off or the default on create, unchanged on update).
 */
export type NetworkInput = Omit<
  z.output<typeof networkInput>,
  "discoveryRange" | "dhcpEventHook" | "bootServers" | "dhcpFailover" | "reportUrls" | "secureBoot" | "bmc" | "identity" | "identityEnrolment"
> & {
  secureBoot?: boolean;
  identity?: IdentityModeName;
  identityEnrolment?: IdentityEnrolmentName;
  bmc?: NetworkBmcInput;
  reportUrls?: string[];
  discoveryRange?: string | null;
  dhcpEventHook?: string | null;
  bootServers?: BootServer[];
  dhcpFailover?: DhcpFailoverMode | null;
};

export const networkUpdate = z.intersection(networkInput, z.object({ revision }));
export type NetworkUpdate = NetworkInput & { revision: number };

/**
 * A boot server is one machine, named the same in every network it serves, with one export
 * directory: the networks that name it must agree on where its copy is delivered. The problems,
 * one per disagreeing name (empty: none).
 */
export function bootServerConflicts(networks: { name: string; bootServers: BootServer[] }[]): string[] {
  const seen = new Map<string, { network: string; deliverTo: string | null }>();
  const problems: string[] = [];
  for (const n of networks) {
    for (const b of n.bootServers) {
      const deliverTo = b.deliverTo ?? null;
      const first = seen.get(b.name);
      if (!first) seen.set(b.name, { network: n.name, deliverTo });
      else if (first.deliverTo !== deliverTo) {
        const show = (d: string | null) => (d === null ? "no delivery target" : d);
        problems.push(
          `boot server ${b.name} is delivered to ${show(deliverTo)} in network ${n.name} but to ${show(first.deliverTo)} in network ${first.network}: one machine has one export directory`,
        );
      }
    }
  }
  return problems;
}

/** A JSON list of strings as stored (Network.reportUrls; null on rows made before it existed). */
export const storedList = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

/** Network.bootServers as stored (a JSON array, null on rows made before boot servers had names). */
export const storedBootServers = (v: unknown): BootServer[] => (Array.isArray(v) ? (v as BootServer[]) : []);
