import { z } from "zod";
import { isIpv4 } from "@/lib/net/ipv4";
import { isDnsName } from "@/lib/net/names";
import { checkbox, dnsName, ipv4, list, optionalText, revision } from "./common";
import { afsPath } from "./paths";

export const AFS_CLIENTS = ["kafs", "openafs"] as const;

export const cellServer = z.object({
  name: dnsName("Server name"),
  ip: ipv4("Server IP"),
});

/** At most this many KDCs per realm: /init tries them in order, each dead one costs a boot its timeout. */
export const MAX_KDCS = 10;

const REALM = /^[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?(?:\.[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?)*$/;

/**
 * A cell's Kerberos realm (EXAMPLE.ORG): upper-case letters, digits and '-' in dot-separated parts,
 * as it goes into krb5.conf and onto /init's command lines. Realms are case-sensitive, so a
 * lower-case one is refused rather than silently upper-cased.
 */
export const realm = z
  .string({ error: "Kerberos realm must be text" })
  .trim()
  .max(253, "Kerberos realm must be at most 253 characters")
  .superRefine((v, ctx) => {
    if (REALM.test(v)) return;
    const message =
      v.toUpperCase() !== v && REALM.test(v.toUpperCase())
        ? `Kerberos realm ${v.slice(0, 60)} must be written in upper case, like ${v.toUpperCase().slice(0, 60)} (realms are case-sensitive)`
        : "Kerberos realm must be like LAB.TEST: upper-case letters, digits and '-', in dot-separated parts";
    ctx.addIssue({ code: "custom", message });
  });

/** A realm's KDC: a DNS name or an IPv4 address, optionally :port (1–65535); names lower-cased. */
export const kdc = z
  .string({ error: "KDC must be text" })
  .trim()
  .max(260, "KDC must be at most 260 characters")
  .transform((v, ctx) => {
    const m = /^([^:]*)(?::(\d{1,5}))?$/.exec(v);
    const host = m?.[1]?.toLowerCase() ?? "";
    const port = m?.[2] === undefined ? null : Number(m[2]);
    const shown = JSON.stringify(v.slice(0, 60));
    if (!m || !(/^[\d.]+$/.test(host) ? isIpv4(host) : isDnsName(host, { minLabels: 1 }))) {
      ctx.addIssue({
        code: "custom",
        message: `KDC ${shown} must be a host name or IPv4 address, optionally with a port: kdc.example.org, 10.0.0.5 or kdc.example.org:88`,
      });
      return z.NEVER;
    }
    if (port !== null && (port < 1 || port > 65535)) {
      ctx.addIssue({ code: "custom", message: `KDC ${shown}: the port must be between 1 and 65535` });
      return z.NEVER;
    }
    return port === null ? host : `${host}:${port}`;
  });

/** A realm's KDCs in order: a list (JSON) or comma- or space-separated (the form's field). */
export const kdcList = list(kdc).pipe(z.array(z.string()).max(MAX_KDCS, `at most ${MAX_KDCS} KDCs`));

/** Cell.kdcs as stored (comma-separated, in order) as a list. */
export const storedKdcs = (kdcs: string): string[] => kdcs.split(",").filter(Boolean);

export const REALM_NEEDS_KDCS = "A Kerberos realm needs its KDCs: list at least one (host or host:port), or clear the realm";
export const KDCS_NEED_REALM = "KDCs need a Kerberos realm: give the realm they serve, or clear the KDCs";

/**
 * The pair rule of a cell's Kerberos settings, with each problem at the field to fix: a realm
 * without KDCs (hosts could not get a ticket), KDCs without a realm (they would serve nothing),
 * a KDC listed twice.
 */
export function kerberosProblems(v: { realm: string | null; kdcs: string[] }, path: (string | number)[] = []) {
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (v.realm && v.kdcs.length === 0) problems.push({ path: [...path, "kdcs"], message: REALM_NEEDS_KDCS });
  if (!v.realm && v.kdcs.length > 0) problems.push({ path: [...path, "realm"], message: KDCS_NEED_REALM });
  v.kdcs.forEach((k, i) => {
    if (v.kdcs.indexOf(k) !== i) problems.push({ path: [...path, "kdcs", i], message: `KDC ${k} is listed twice` });
  });
  return problems;
}

const blankToNull = (v: unknown) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? null : v);

export const cellInput = z
  .object({
    name: dnsName("Cell name"),
    client: z.enum(AFS_CLIENTS, { error: "choose kafs or openafs" }),
    bootRoot: afsPath("Boot root"),
    cacheMemcache: checkbox,
    cacheBlocks: z.coerce
      .number({ error: "Cache blocks must be a number" })
      .int("Cache blocks must be a whole number")
      .min(1024, "Cache blocks must be at least 1024")
      .max(64 * 1024 * 1024, "Cache blocks must be at most 67108864"),
    servers: z
      .array(cellServer, { error: "at least one database server is required" })
      .min(1, "at least one database server is required")
      .max(16, "at most 16 database servers"),
    /** Kerberos realm; null, "" or absent: none (hosts mount their tree anonymously) */
    realm: z.preprocess(blankToNull, realm.nullable()),
    /** the realm's KDCs, in order; absent: none */
    kdcs: z.preprocess((v) => v ?? [], kdcList),
    notes: optionalText("Notes"),
  })
  .superRefine((v, ctx) => {
    for (const p of kerberosProblems(v)) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    const seen = new Set<string>();
    v.servers.forEach((s, i) => {
      if (seen.has(s.ip)) ctx.addIssue({ code: "custom", path: ["servers", i, "ip"], message: `${s.ip} is listed twice` });
      seen.add(s.ip);
    });
  });

/** Validated input; `realm` and `kdcs` may be left out by callers in code (absent: none on create, unchanged on update). */
export type CellInput = Omit<z.output<typeof cellInput>, "realm" | "kdcs"> & { realm?: string | null; kdcs?: string[] };

export const cellUpdate = z.intersection(cellInput, z.object({ revision }));
export type CellUpdate = CellInput & { revision: number };
