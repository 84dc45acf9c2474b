import { z } from "zod";
import { STAGES, type Stage } from "@/lib/boot/stages";
import { normalizeMac } from "@/lib/inventory/mac";
import { parseIpv4 } from "@/lib/net/ipv4";

// One boot report (DESIGN.md "Report API"): JSON or form fields mac, bootId, stage, message,
// initrdSha256, releaseVersion, ip, at, failedStage, token. Busybox wget sends form data; every
// value arrives as a string. Unknown fields are ignored (clients may add some), known ones are
// checked strictly: a bad stage or boot id is refused, never stored.

const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

/**
 * Control characters become spaces: messages end up in HTML, logs, CSV and terminals, where a
 * newline or tab could forge a line or a column. All of C0 (tab and newline too), DEL, C1, and
 * Unicode's line and paragraph separators.
 */
const cleanMessage = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");

/** A machine's MAC field (reports, identity requests), normalised to aa:bb:cc:dd:ee:ff. */
export const machineMac = z
  .string({ error: "mac is required" })
  .max(64)
  .transform((v, ctx) => {
    const mac = normalizeMac(v);
    if (!mac) {
      ctx.addIssue({ code: "custom", message: `mac ${JSON.stringify(v.slice(0, 40))} is not a MAC address` });
      return z.NEVER;
    }
    return mac;
  });

const BOOT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{7,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const RELEASE_VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A boot's id as machines send it. */
export const machineBootId = z.string().regex(BOOT_ID, "bootId must be 8 to 64 letters, digits, '.', '_' or '-'");

export const bootEventInput = z
  .object({
    mac: machineMac,
    // /init uses the kernel's random UUID; hooks may use their own: letters, digits, '-', '_', '.'
    // optional only for pxe and dhcp reports of the boot server (the host has no boot id yet)
    bootId: optional(machineBootId),
    stage: z.enum(STAGES, { error: `stage must be one of ${STAGES.join(", ")}` }),
    failedStage: optional(z.enum(STAGES.filter((s) => s !== "failed") as [Stage, ...Stage[]], { error: "failedStage must be a stage" })),
    message: optional(z.string().transform((s) => cleanMessage(s).slice(0, 2000))),
    initrdSha256: optional(z.string().regex(SHA256, "initrdSha256 must be 64 lower-case hex digits")),
    releaseVersion: optional(z.string().max(130).regex(RELEASE_VERSION, "releaseVersion must look like release@version")),
    ip: optional(
      z
        .string()
        .max(15)
        .refine((v) => parseIpv4(v) !== null, "ip must be an IPv4 address"),
    ),
    /** the client's clock, kept for display only */
    at: optional(z.string().max(40).transform(cleanMessage)),
    token: optional(z.string().max(256)),
  })
  .superRefine((v, ctx) => {
    if (!v.bootId && v.stage !== "pxe" && v.stage !== "dhcp")
      ctx.addIssue({ code: "custom", path: ["bootId"], message: "bootId is required (only pxe and dhcp reports of the boot server may leave it out)" });
  });

export type BootEventInput = z.output<typeof bootEventInput>;

// ---------------------------------------------------------------- the report path's own check

const FIELDS = ["mac", "bootId", "stage", "failedStage", "message", "initrdSha256", "releaseVersion", "ip", "at", "token"] as const;
const STAGE_SET = new Set<string>(STAGES);
type Fields = Record<(typeof FIELDS)[number], string | undefined>;

/**
 * What bootEventInput makes of a report whose fields are all plainly valid, without zod (a boot
 * storm checks thousands a second); null for anything else, which then goes through zod itself:
 * so a bad report gets zod's very issues, and a good one the very same result (same keys, a key
 * given empty kept as undefined; boot-event.test.ts compares the two).
 */
export function plainlyValid(fields: Record<string, unknown>): BootEventInput | null {
  const v = {} as Fields;
  for (const k of FIELDS) {
    if (!(k in fields)) continue;
    const x = fields[k];
    if (x === "" || x === null || x === undefined) {
      if (k === "mac" || k === "stage") return null;
      v[k] = undefined;
    } else if (typeof x === "string") v[k] = x;
    else return null;
  }
  const { mac, bootId, stage, failedStage, initrdSha256, releaseVersion, ip, at, token } = v;
  const normal = mac !== undefined && mac.length <= 64 ? normalizeMac(mac) : null;
  if (normal === null || stage === undefined || !STAGE_SET.has(stage)) return null;
  if (bootId === undefined ? stage !== "pxe" && stage !== "dhcp" : !BOOT_ID.test(bootId)) return null;
  if (failedStage !== undefined && (failedStage === "failed" || !STAGE_SET.has(failedStage))) return null;
  if (initrdSha256 !== undefined && !SHA256.test(initrdSha256)) return null;
  if (releaseVersion !== undefined && (releaseVersion.length > 130 || !RELEASE_VERSION.test(releaseVersion))) return null;
  if (ip !== undefined && (ip.length > 15 || parseIpv4(ip) === null)) return null;
  if ((at !== undefined && at.length > 40) || (token !== undefined && token.length > 256)) return null;
  const out: Record<string, unknown> = {};
  for (const k of FIELDS) {
    if (!(k in v)) continue;
    const x = v[k];
    out[k] = k === "mac" ? normal : x !== undefined && k === "message" ? cleanMessage(x).slice(0, 2000) : x !== undefined && k === "at" ? cleanMessage(x) : x;
  }
  return out as BootEventInput;
}

/** bootEventInput.safeParse, quicker for the plainly valid reports that make up a boot storm. */
export function parseBootEvent(fields: Record<string, unknown>): ReturnType<typeof bootEventInput.safeParse> {
  const data = plainlyValid(fields);
  return data ? { success: true, data } : bootEventInput.safeParse(fields);
}
