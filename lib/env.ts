import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { z } from "zod";
import { parseStallSeconds } from "./boot/stages";
import { hooksDirProblem } from "./net/hook-path";
import type { ImagePolicy } from "./publish/image-source";

// Configuration, read and validated once: every AFSBOOT_* setting is here, and a bad value stops
// with a message naming it. Every setting has a default that works on a fresh clone.
// (bin/*.mjs and scripts/*.mjs are plain-Node launchers outside the app: they read their own.)

/** An empty variable (`AFSBOOT_X=` in a unit file) counts as unset. */
const unsetIfBlank = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema);
/** A number that passes `ok`, with `message` for anything else. */
const count = (message: string, fallback: number, ok: (n: number) => boolean) =>
  unsetIfBlank(z.coerce.number({ error: message }).refine(ok, { message }).default(fallback));
/** "1" turns a switch on, "0" or unset leaves it off. */
const flag = unsetIfBlank(
  z
    .enum(["0", "1"], { error: "must be 1 (on) or 0 (off)" })
    .default("0")
    .transform((v) => v === "1"),
);

/** Absolute directories separated by ':' (trailing slashes dropped). */
const directories = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(":")
        .filter((d) => d !== "")
        .map((d) => (d.length > 1 ? d.replace(/\/+$/, "") : d)),
    )
    .superRefine((dirs, ctx) => {
      for (const d of dirs)
        if (!d.startsWith("/")) ctx.addIssue({ code: "custom", message: `${d} is not an absolute directory (list absolute directories separated by ':')` });
    });

const schema = z.object({
  DATABASE_URL: z
    .string()
    .default("file:./data/afsboot.db")
    .refine((v) => v.startsWith("file:") || /^postgres(ql)?:\/\//.test(v), {
      message: "must be file:PATH (SQLite) or postgresql://USER:PASSWORD@HOST/DB",
    }),
  AFSBOOT_DATA_DIR: z.string().default("./data"),
  AFSBOOT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  AFSBOOT_SECRET_FILE: z.string().optional(),
  AFSBOOT_SESSION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(12),
  AFSBOOT_SECURE_COOKIES: z
    .enum(["auto", "true", "false"])
    .default("auto")
    .transform((v) => (v === "auto" ? null : v === "true")),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  // Kea's hook libraries on the DHCP server; unset: the generators' default (Debian's, amd64)
  AFSBOOT_KEA_HOOKS_DIR: unsetIfBlank(
    z
      .string()
      .superRefine((v, ctx) => {
        const problem = hooksDirProblem(v);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional(),
  ),
  // where kernels and base initrds may be read from besides each release tree's boot/ (':'-separated)
  AFSBOOT_IMAGES_ROOTS: directories(""),
  // where publish finds the boot loaders at their Debian paths (lib/publish/loaders.ts), ':'-separated
  AFSBOOT_LOADER_ROOTS: directories("/"),
  // where publications write and /boot/ serves from; unset: <data dir>/export (see exportDir)
  AFSBOOT_EXPORT_DIR: z.string().optional(),
  // post-publish hooks (lib/publish/hooks.ts); unset: <data dir>/hooks/post-publish.d
  AFSBOOT_HOOKS_DIR: z.string().optional(),
  AFSBOOT_HOOK_TIMEOUT: count("must be a number of seconds, more than 0", 120, (n) => n > 0),
  // the static busybox every overlay initrd carries (lib/publish/busybox.ts)
  AFSBOOT_BUSYBOX: z.string().default("/bin/busybox"),
  // the DHCP daemons that check the generated configs before a publish (lib/publish/validate.ts)
  AFSBOOT_DHCPD: z.string().default("/usr/sbin/dhcpd"),
  AFSBOOT_KEA_DHCP4: z.string().default("/usr/sbin/kea-dhcp4"),
  AFSBOOT_DNSMASQ: z.string().default("/usr/sbin/dnsmasq"),
  // delivery of each publication to the boot servers' own copies (lib/publish/deliver.ts)
  AFSBOOT_RSYNC: z.string().default("/usr/bin/rsync"),
  AFSBOOT_RSYNC_RSH: z.string().default("ssh -o BatchMode=yes -o ConnectTimeout=10"),
  AFSBOOT_DELIVERY_TIMEOUT: count("must be a number of seconds, more than 0", 30, (n) => n > 0),
  AFSBOOT_DELIVERY_PARALLEL: count("must be a whole number of servers, 1 to 32", 4, (n) => Number.isInteger(n) && n >= 1 && n <= 32),
  // power control through BMCs (lib/data/power.ts): the command driver's executables, the time one
  // BMC gets for one action, how many BMCs a bulk action talks to at once, extra CAs for Redfish
  AFSBOOT_POWER_DIR: z.string().optional(),
  AFSBOOT_POWER_TIMEOUT: count("must be a number of seconds, more than 0", 30, (n) => n > 0),
  AFSBOOT_POWER_PARALLEL: count("must be a whole number of BMCs, 1 to 256", 16, (n) => Number.isInteger(n) && n >= 1 && n <= 256),
  AFSBOOT_BMC_CA_FILE: unsetIfBlank(z.string().optional()),
  // the IPMI cipher suite ipmitool uses (-C); unset: ipmitool asks the BMC (slow on BMCs that never answer that: docs/power.md)
  AFSBOOT_IPMI_CIPHER_SUITE: unsetIfBlank(
    z.coerce
      .number({ error: "must be a cipher suite number, 0 to 17" })
      .int("must be a cipher suite number, 0 to 17")
      .min(0, "must be a cipher suite number, 0 to 17")
      .max(17, "must be a cipher suite number, 0 to 17")
      .optional(),
  ),
  // the console's own Kerberos principal and keytab for making hosts' keytabs through kadmin, and the
  // kadmin server (host[:port]; unset: the cell's first KDC) (lib/kerberos/kadmin.ts, docs/security.md)
  AFSBOOT_KADMIN_PRINCIPAL: unsetIfBlank(
    z
      .string()
      .regex(/^[^\s@]+(@[^\s@]+)?$/, "must be a Kerberos principal, e.g. afsboot/admin@EXAMPLE.ORG")
      .optional(),
  ),
  AFSBOOT_KADMIN_KEYTAB: unsetIfBlank(z.string().optional()),
  AFSBOOT_KADMIN_SERVER: unsetIfBlank(
    z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, "must be host or host:port")
      .optional(),
  ),
  // seconds a boot may stay at a stage before it counts as stalled: "afs=600,switch=1200" (lib/boot/stages.ts)
  AFSBOOT_STALL_SECONDS: z
    .string()
    .optional()
    .transform((spec, ctx) => {
      const parsed = parseStallSeconds(spec);
      if (typeof parsed === "string") {
        ctx.addIssue({ code: "custom", message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
  // boot history kept (lib/data/boot-retention.ts)
  AFSBOOT_BOOT_HISTORY: count("must be a whole number of boots per host, at least 1", 100, (n) => Number.isInteger(n) && n >= 1),
  AFSBOOT_BOOT_HISTORY_DAYS: count("must be a number of days, at least 1", 365, (n) => n >= 1),
  // reverse proxies in front of the console whose X-Forwarded-For hops count (lib/api/client-address.ts)
  AFSBOOT_TRUST_PROXY: count("must be a whole number of proxies, 0 to 10", 0, (n) => Number.isInteger(n) && n >= 0 && n <= 10),
  // set by the console server (bin/afsboot-server.mjs): routes read the client's address from its header
  AFSBOOT_CONSOLE_SERVER: flag,
  // no background jobs (boot history pruning) in this process (instrumentation.ts)
  AFSBOOT_NO_JOBS: flag,
  // the project root (bin/afsboot.mjs sets it for the CLI); unset: the working directory
  AFSBOOT_ROOT: z.string().optional(),
});

export type Env = z.output<typeof schema>;

const KEYS = Object.keys(schema.shape);
let cached: { key: string; env: Env } | undefined;

/**
 * The configuration. A console's environment does not change while it runs: parsed once (the
 * report path reads it per request). Tests, benchmarks and the CLI set variables as they go, so
 * outside production it is parsed again when any of the variables above changed.
 */
export function env(): Env {
  if (cached && process.env.NODE_ENV === "production") return cached.env;
  const key = KEYS.map((k) => process.env[k] ?? "\u0000").join("\u0001");
  if (cached?.key === key) return cached.env;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  cached = { key, env: parsed.data };
  return cached.env;
}

let secret: Buffer | undefined;

/**
 * The server secret behind host report tokens. Kept outside the database (so a database dump
 * does not reveal tokens): AFSBOOT_SECRET, or a file created on first use with mode 0600.
 * Every replica must share it.
 */
export function serverSecret(): Buffer {
  if (secret) return secret;
  const e = env();
  if (e.AFSBOOT_SECRET) {
    secret = Buffer.from(e.AFSBOOT_SECRET, "utf8");
    return secret;
  }
  const file = path.resolve(/*turbopackIgnore: true*/ e.AFSBOOT_SECRET_FILE ?? path.join(e.AFSBOOT_DATA_DIR, "secret"));
  if (!fs.existsSync(/*turbopackIgnore: true*/ file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString("hex") + "\n", { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  const value = fs.readFileSync(/*turbopackIgnore: true*/ file, "utf8").trim();
  if (value.length < 32) throw new Error(`${file}: the server secret must be at least 32 characters`);
  secret = Buffer.from(value, "utf8");
  return secret;
}

/**
 * Where publishing may read kernels and base initrds (lib/publish/image-source.ts): the roots
 * the admin configured, and the console's own files that are never images.
 */
export function imagePolicy(): ImagePolicy {
  const e = env();
  const forbidden = [path.resolve(/*turbopackIgnore: true*/ e.AFSBOOT_DATA_DIR), exportDir()];
  if (e.AFSBOOT_SECRET_FILE) forbidden.push(path.resolve(/*turbopackIgnore: true*/ e.AFSBOOT_SECRET_FILE));
  if (e.DATABASE_URL.startsWith("file:")) {
    const db = path.resolve(/*turbopackIgnore: true*/ e.DATABASE_URL.slice("file:".length).replace(/\?.*$/, ""));
    forbidden.push(db, `${db}-wal`, `${db}-shm`, `${db}-journal`);
  }
  return { roots: e.AFSBOOT_IMAGES_ROOTS, forbidden };
}

/** The command power driver's directory of executables: AFSBOOT_POWER_DIR, else <data dir>/power.d. */
export function powerDir(): string {
  const e = env();
  return path.resolve(/*turbopackIgnore: true*/ e.AFSBOOT_POWER_DIR ?? path.join(e.AFSBOOT_DATA_DIR, "power.d"));
}

/** Where publications write (and /boot/ serves from): AFSBOOT_EXPORT_DIR, else <data dir>/export. */
export function exportDir(out?: string): string {
  const e = env();
  return path.resolve(out ?? e.AFSBOOT_EXPORT_DIR ?? path.join(e.AFSBOOT_DATA_DIR, "export"));
}
