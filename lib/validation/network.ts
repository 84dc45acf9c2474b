import { z } from "zod";
import { MAX_HOOK_PATH, hookPathProblem } from "@/lib/net/hook-path";
import { cidrContains, formatCidr, formatIpv4, formatIpv4Range, parseCidr, parseIpv4, parseIpv4Range, rangeContains, type Cidr } from "@/lib/net/ipv4";
import { dnsName, ipv4, list, optionalText, revision, slug, text } from "./common";

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

export const networkInput = z
  .object({
    name: slug("Name"),
    subnet: text("Subnet", 18),
    gateway: ipv4("Gateway"),
    dns: list(ipv4("DNS server")).pipe(z.array(z.string()).min(1, "at least one DNS server is required").max(8, "at most 8 DNS servers")),
    domain: z.preprocess((v) => (v === "" || v === null ? undefined : v), dnsName("Domain").optional()),
    bootServer: ipv4("Boot server"),
    reportUrl: httpUrl("Report URL"),
    // iPXE URLs travel in the 127-byte DHCP file field too: keep the base short
    bootUrl: z.preprocess(
      (v) => (v === "" || v === null ? undefined : typeof v === "string" ? v.replace(/\/*$/, "/") : v),
      text("Boot files URL", 80)
        .regex(
          /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/([A-Za-z0-9._-]+\/)*$/,
          "Boot files URL must be a plain http:// or https:// base URL like http://10.0.0.1:3000/boot/ (letters, digits, '.', '_', '-' in its path)",
        )
        .optional(),
    ),
    discoveryRange: z.preprocess(
      (v) => (v === "" || v === null || (typeof v === "string" && v.trim() === "") ? undefined : v),
      text("Discovery range", 40).optional(),
    ),
    dhcpEventHook: z.preprocess((v) => (v === null || (typeof v === "string" && v.trim() === "") ? undefined : v), hookPath("DHCP event hook").optional()),
    notes: optionalText("Notes"),
  })
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
    const discoveryRange = v.discoveryRange === undefined ? null : checkDiscoveryRange(v, parsed.cidr, ctx);
    return {
      ...v,
      subnet: formatCidr(parsed.cidr),
      domain: v.domain ?? null,
      bootUrl: v.bootUrl ?? null,
      discoveryRange,
      dhcpEventHook: v.dhcpEventHook ?? null,
    };
  });

/** dhcpd keeps a lease record for every address of a pool: a range is a handful of machines, not a /8. */
export const MAX_DISCOVERY_RANGE = 65536;

/**
 * The discovery range, normalised to "START-END", or null with an issue on the field. Machines that
 * are not enrolled lease these addresses, so the range must hold no address someone else has: the
 * network and broadcast addresses, the gateway, boot server, DNS servers, the console's (report
 * and boot files URLs, when given as addresses). Enrolled hosts are checked in the data layer.
 */
function checkDiscoveryRange(
  v: { discoveryRange?: string; gateway: string; bootServer: string; dns: string[]; reportUrl: string; bootUrl?: string },
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
    ...v.dns.map((d): [string, string] => ["the DNS server", d]),
    ["the report URL's address", urlHost(v.reportUrl)],
    ["the boot files URL's address", urlHost(v.bootUrl)],
  ];
  for (const [what, ip] of taken) {
    const n = parseIpv4(ip);
    if (n !== null && rangeContains(range, n))
      return refuse(`Discovery range ${text} includes ${what} ${ip}: machines that are not enrolled would be handed its address`);
  }
  return text;
}

/**
 * Validated input; `discoveryRange` and `dhcpEventHook` may be left out by callers in code (absent:
 * none on create, unchanged on update).
 */
export type NetworkInput = Omit<z.output<typeof networkInput>, "discoveryRange" | "dhcpEventHook"> & {
  discoveryRange?: string | null;
  dhcpEventHook?: string | null;
};

export const networkUpdate = z.intersection(networkInput, z.object({ revision }));
export type NetworkUpdate = NetworkInput & { revision: number };
