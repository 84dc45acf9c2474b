import { z } from "zod";
import { machineBootId, machineMac } from "./boot-event";

// The identity requests of /init (docs/security.md): form fields like the report API, every value
// a string, checked strictly; the public keys as base64 of tpm2-tools' TPM2B_PUBLIC files.

const token = z.string({ error: "token is required" }).regex(/^[A-Za-z0-9_-]{1,128}$/, "token must be the host's report token");
/** a TPM2B_PUBLIC of at most 1 KiB, in base64 (busybox's base64 wraps lines: white space is dropped) */
const tpmPublic = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .max(2000, `${what} is larger than 1 KiB`)
    .transform((v) => v.replace(/\s+/g, ""))
    .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length % 4 === 0, `${what} must be base64 of the tpm2-tools public key file`)
    .transform((v) => Buffer.from(v, "base64"))
    .refine((b) => b.length <= 1024, `${what} is larger than 1 KiB`);

export const activateInput = z.object({ mac: machineMac, bootId: machineBootId, token, ek: tpmPublic("ek"), ak: tpmPublic("ak") });
export type ActivateInput = z.infer<typeof activateInput>;

export const bundleInput = z.object({
  mac: machineMac,
  bootId: machineBootId,
  token,
  /** the activation's id (X-AFSBoot-Activation); absent in the weaker source-port mode */
  activation: z
    .string()
    .regex(/^[0-9a-f]{32}$/, "activation must be the 32 hex digits the console answered")
    .optional(),
  proof: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "proof must be 64 hex digits")
    .optional(),
});
export type BundleInput = z.infer<typeof bundleInput>;
