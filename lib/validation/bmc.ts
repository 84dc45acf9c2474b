import { z } from "zod";
import { POWER_DRIVERS } from "@/lib/power/types";
import { flag, inheritedFlag } from "./common";

// A BMC's settings as people and machines give them (host form, network form, API, fleet file, CSV).
// The password is write-only: undefined keeps the stored one, null (or "" from a form's clear
// box) removes it, a string replaces it. It is sealed before it is stored (lib/crypto/secret-box.ts).

const blankToNull = (v: unknown) => (v === undefined || v === "" ? null : v);
const CONTROL = /[\u0000-\u001f\u007f]/;

export const bmcDriver = z.enum(POWER_DRIVERS, { error: "BMC driver must be ipmi, redfish or command" });

/** host, IPv4, [IPv6], optionally :port; or an http(s) URL (Redfish) */
export const bmcAddress = z
  .string({ error: "BMC address must be text" })
  .trim()
  .max(255, "BMC address must be at most 255 characters")
  .refine((v) => !CONTROL.test(v) && !/\s/.test(v), { message: "BMC address must not contain spaces or control characters" })
  .refine((v) => !v.startsWith("-"), { message: "BMC address must not start with '-'" });

export const bmcUser = z
  .string({ error: "BMC user must be text" })
  .max(64, "BMC user must be at most 64 characters")
  .refine((v) => !CONTROL.test(v), { message: "BMC user must not contain control characters" });

export const bmcPassword = z
  .string({ error: "BMC password must be text" })
  .max(128, "BMC password must be at most 128 characters")
  .refine((v) => !CONTROL.test(v), { message: "BMC password must not contain control characters (newlines among them)" });

/** the command driver's executable: a file name inside AFSBOOT_POWER_DIR */
export const bmcCommand = z
  .string({ error: "BMC command must be text" })
  .trim()
  .max(100, "BMC command must be at most 100 characters")
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, {
    message: "BMC command is the file name of an executable in the power directory (AFSBOOT_POWER_DIR): letters, digits, '.', '_' and '-', no '/'",
  });

const nullable = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(blankToNull, schema.nullable());
/** undefined: keep the stored password; null or "": remove it; text: replace it */
const passwordChange = z.preprocess((v) => (v === "" ? null : v), bmcPassword.nullable().optional());

/** A host's own BMC settings; each null one is its network's. */
export const hostBmcInput = z.object({
  driver: nullable(bmcDriver).default(null),
  address: nullable(bmcAddress).default(null),
  user: nullable(bmcUser).default(null),
  password: passwordChange,
  insecure: inheritedFlag("BMC certificate check opt-out", "the network's").transform((v) => v ?? null),
  command: nullable(bmcCommand).default(null),
});
export type HostBmcInput = z.output<typeof hostBmcInput>;

export const NO_HOST_BMC: HostBmcInput = { driver: null, address: null, user: null, password: null, insecure: null, command: null };

/** IPMI 2.0 passwords are at most 20 bytes (ipmitool refuses longer ones). */
export const IPMI_PASSWORD_BYTES = 20;
export const ipmiPasswordProblem = (password: string | null | undefined) =>
  typeof password === "string" && new TextEncoder().encode(password).length > IPMI_PASSWORD_BYTES
    ? `An IPMI password is at most ${IPMI_PASSWORD_BYTES} bytes (IPMI 2.0)`
    : null;

/** A network's BMC defaults for its hosts. */
export const networkBmcInput = z
  .object({
    driver: nullable(bmcDriver).default(null),
    user: nullable(bmcUser).default(null),
    password: passwordChange,
    insecure: flag("BMC certificate check opt-out"),
    command: nullable(bmcCommand).default(null),
  })
  .superRefine((b, ctx) => {
    const problem = b.driver === "ipmi" ? ipmiPasswordProblem(b.password) : null;
    if (problem) ctx.addIssue({ code: "custom", path: ["password"], message: problem });
  });
export type NetworkBmcInput = z.output<typeof networkBmcInput>;

export const NO_NETWORK_BMC: NetworkBmcInput = { driver: null, user: null, password: null, insecure: false, command: null };

/** The host and network forms' checkbox that removes the stored password (its name does not say "password": formValues would drop it). */
export const REMOVE_STORED_FIELD = "removeStored";

/**
 * A form's BMC password in the API's terms. A form cannot leave a field out, so its password box
 * says: empty keeps the stored password (undefined), text replaces it, and the "remove the stored
 * password" box (empty password) removes it (null). For the host and network forms' server
 * actions; the API, the fleet file and the CLI give the password as JSON.
 */
export function bmcPasswordFromForm(input: unknown): unknown {
  if (typeof input !== "object" || input === null || !("bmc" in input)) return input;
  const bmc = input.bmc;
  if (typeof bmc !== "object" || bmc === null) return input;
  const { [REMOVE_STORED_FIELD]: remove, password, ...rest } = bmc as Record<string, unknown>;
  const typed = typeof password === "string" && password !== "" ? password : undefined;
  const change = typed ?? (remove === "on" || remove === true ? null : undefined);
  return { ...input, bmc: change === undefined ? rest : { ...rest, password: change } };
}
