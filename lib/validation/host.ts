import { z } from "zod";
import { hostnameProblem } from "@/lib/inventory/hostname";
import { isMulticastMac, normalizeMac } from "@/lib/inventory/mac";
import { dnsName, inheritedFlag, ipv4, list, optionalText, revision, slug, text } from "./common";
import { moduleName, tmpfsSize, versionLabel } from "./release";
import { hostBmcInput } from "./bmc";
import { IDENTITY_MODES } from "@/lib/boot/identity-mode";

/** A host's identity mode (#18): none, tpm or port for this host; null, "" or absent: its network's. */
export const hostIdentity = z.preprocess(
  (v) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? null : typeof v === "string" ? v.trim() : v),
  z.enum(IDENTITY_MODES, { error: "Identity must be none, tpm, port (source address + privileged port, weaker) or null (the network's)" }).nullable(),
);

export const hostname = z
  .string({ error: "Hostname is required" })
  .trim()
  .superRefine((v, ctx) => {
    const p = hostnameProblem(v);
    if (p) ctx.addIssue({ code: "custom", message: `Hostname ${p}` });
  });

export const mac = z
  .string({ error: "MAC is required" })
  .trim()
  .min(1, "MAC is required")
  .transform((v, ctx) => {
    const m = normalizeMac(v);
    if (!m) {
      ctx.addIssue({ code: "custom", message: `MAC "${v.slice(0, 40)}" is not a MAC address (aa:bb:cc:dd:ee:ff, AA-BB-…, aabb.ccdd.eeff or aabbccddeeff)` });
      return z.NEVER;
    }
    if (isMulticastMac(m)) {
      ctx.addIssue({ code: "custom", message: `MAC ${m} is a multicast address, not a NIC's` });
      return z.NEVER;
    }
    return m;
  });

export const tag = text("Tag", 40).regex(/^[a-z0-9][a-z0-9._-]*$/, { message: "Tags use lower-case letters, digits, '.', '_' and '-'" });
export const tags = list(tag)
  .pipe(z.array(z.string()).max(32, "at most 32 tags"))
  .transform((t) => [...new Set(t)].sort());

const releaseName = slug("Release");

/** "rh-7.3" (latest active version of the tree) or "rh-7.3@1" (pinned). */
export const releaseRef = text("Release", 100).transform((v, ctx) => {
  const [name, version, extra] = v.split("@");
  const n = releaseName.safeParse(name);
  const ver = version === undefined ? null : versionLabel.safeParse(version);
  if (extra !== undefined || !n.success || (ver && !ver.success)) {
    ctx.addIssue({ code: "custom", message: "Release must be a tree name like rh-7.3, or rh-7.3@1 to pin a version" });
    return z.NEVER;
  }
  return { release: n.data, version: ver ? ver.data! : null };
});
export type ReleaseRef = z.output<typeof releaseRef>;

const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

const RESERVED_ARGS = /(^|\s)(afsboot\.(root|report|token|host|overlay|release|nic|cache|tmpfs|discover)|initrd|BOOT_IMAGE|BOOTIF)=/;

/** Kernel arguments land in PXE configs: printable, no quotes, no shell or config metacharacters. */
export const kernelArgs = text("Kernel arguments", 500)
  .regex(/^[A-Za-z0-9 ._,:=\/+@%-]+$/, { message: "Kernel arguments may use letters, digits, spaces and . _ , : = / + @ % -" })
  .refine((v) => !RESERVED_ARGS.test(v), { message: "Kernel arguments must not set afsboot.*, initrd=, BOOT_IMAGE= or BOOTIF=: the console sets those" });

export const hostInput = z.object({
  name: hostname,
  mac,
  ip: ipv4("IP"),
  cell: dnsName("Cell"),
  release: releaseRef,
  tags: z.preprocess((v) => v ?? [], tags),
  cacheBlocks: optional(
    z.coerce
      .number({ error: "Cache blocks must be a number" })
      .int("Cache blocks must be a whole number")
      .min(1024, "Cache blocks must be at least 1024")
      .max(67108864, "Cache blocks must be at most 67108864"),
  ),
  tmpfsSize: optional(tmpfsSize("tmpfs size")),
  kernelArgs: optional(kernelArgs),
  nicModule: optional(moduleName),
  /** UEFI Secure Boot: true or false for this host; null or absent: the network's default */
  secureBoot: inheritedFlag("Secure Boot", "the network's default"),
  /** its BMC (power control); absent or null: none of its own (its network's defaults, no address) */
  bmc: z.preprocess((v) => (v === null ? undefined : v), hostBmcInput.optional()),
  /** how it proves who it is to get its secrets: none, tpm or port; null or absent: its network's */
  identity: hostIdentity.optional(),
  notes: optionalText("Notes"),
});
export type HostInput = z.output<typeof hostInput>;
export const hostUpdate = z.intersection(hostInput, z.object({ revision }));
export type HostUpdate = z.output<typeof hostUpdate>;
