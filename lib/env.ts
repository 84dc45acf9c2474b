import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { z } from "zod";
import { hooksDirProblem } from "./net/hook-path";
import type { ImagePolicy } from "./publish/image-source";

// Configuration, read and validated once. Every setting has a default that works on a fresh clone.

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
  AFSBOOT_SESSION_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  AFSBOOT_SECURE_COOKIES: z
    .enum(["auto", "true", "false"])
    .default("auto")
    .transform((v) => (v === "auto" ? null : v === "true")),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  // Kea's hook libraries on the DHCP server; unset: the generators' default (Debian's, amd64)
  AFSBOOT_KEA_HOOKS_DIR: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .superRefine((v, ctx) => {
        const problem = hooksDirProblem(v);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional(),
  ),
  // where kernels and base initrds may be read from besides each release tree's boot/ (':'-separated)
  AFSBOOT_IMAGES_ROOTS: z
    .string()
    .default("")
    .transform((v) => v.split(":").filter((d) => d !== "").map((d) => (d.length > 1 ? d.replace(/\/+$/, "") : d)))
    .superRefine((dirs, ctx) => {
      for (const d of dirs) if (!d.startsWith("/")) ctx.addIssue({ code: "custom", message: `${d} is not an absolute directory (list absolute directories separated by ':')` });
    }),
});

export type Env = z.output<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  cached = parsed.data;
  return cached;
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

/** Where publications write (and /boot/ serves from): AFSBOOT_EXPORT_DIR, else <data dir>/export. */
export function exportDir(out?: string): string {
  return path.resolve(out ?? process.env.AFSBOOT_EXPORT_DIR ?? path.join(env().AFSBOOT_DATA_DIR, "export"));
}
