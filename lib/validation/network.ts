import { z } from "zod";
import { cidrContains, formatCidr, parseCidr, parseIpv4 } from "@/lib/net/ipv4";
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

export const networkInput = z
  .object({
    name: slug("Name"),
    subnet: text("Subnet", 18),
    gateway: ipv4("Gateway"),
    dns: list(ipv4("DNS server"))
      .pipe(z.array(z.string()).min(1, "at least one DNS server is required").max(8, "at most 8 DNS servers")),
    domain: z.preprocess((v) => (v === "" || v === null ? undefined : v), dnsName("Domain").optional()),
    bootServer: ipv4("Boot server"),
    reportUrl: httpUrl("Report URL"),
    // iPXE URLs travel in the 127-byte DHCP file field too: keep the base short
    bootUrl: z.preprocess(
      (v) => (v === "" || v === null ? undefined : typeof v === "string" ? v.replace(/\/*$/, "/") : v),
      text("Boot files URL", 80)
        .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/([A-Za-z0-9._-]+\/)*$/, "Boot files URL must be a plain http:// or https:// base URL like http://10.0.0.1:3000/boot/ (letters, digits, '.', '_', '-' in its path)")
        .optional(),
    ),
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
    return { ...v, subnet: formatCidr(parsed.cidr), domain: v.domain ?? null, bootUrl: v.bootUrl ?? null };
  });

export type NetworkInput = z.output<typeof networkInput>;

export const networkUpdate = z.intersection(networkInput, z.object({ revision }));
export type NetworkUpdate = z.output<typeof networkUpdate>;
