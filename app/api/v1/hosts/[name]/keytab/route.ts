import { z } from "zod";
import type { NextRequest } from "next/server";
import { apiRoute } from "@/lib/api/handler";
import { readAtMost } from "@/lib/api/body";
import { clearKeytab, createKeytab, setKeytab } from "@/lib/data/host-secrets";
import { AppError, invalid } from "@/lib/errors";
import { KEYTAB_MAX_BYTES } from "@/lib/kerberos/keytab";

// A host's keytab (admin): uploaded as bytes or base64 in JSON, made through kadmin, or removed.
// Every answer is the keytab's summary (principal, kvno, enctypes, source), never its keys.

const tooLarge = () =>
  new AppError(413, "too_large", `a keytab is at most ${KEYTAB_MAX_BYTES / 1024} KiB`, { keytab: `a keytab is at most ${KEYTAB_MAX_BYTES / 1024} KiB` });
// base64 of KEYTAB_MAX_BYTES bytes, and a little room for the JSON around it
const MAX_JSON = Math.ceil(KEYTAB_MAX_BYTES / 3) * 4 + 1024;

const jsonBody = z.object({
  keytabBase64: z
    .string({ error: "keytabBase64 must be the keytab in base64" })
    .min(1, "keytabBase64 is empty")
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, "keytabBase64 must be the keytab in base64"),
});

/** The keytab's bytes from an application/octet-stream body or JSON {"keytabBase64": "…"}. */
async function keytabBytes(req: NextRequest): Promise<Buffer> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const json = type === "application/json";
  if (!json && type !== "application/octet-stream")
    throw new AppError(415, "unsupported_media_type", 'Send the keytab as application/octet-stream, or JSON {"keytabBase64": "…"}');
  const max = json ? MAX_JSON : KEYTAB_MAX_BYTES;
  if (Number(req.headers.get("content-length") ?? "0") > max) throw tooLarge();
  const stream = req.body;
  const raw = await readAtMost(stream as unknown as AsyncIterable<Uint8Array> | null, max, () => void stream?.cancel().catch(() => {}));
  if (!raw) throw tooLarge();
  if (!json) {
    if (raw.length === 0) throw invalid("the keytab is empty", { keytab: "the keytab is empty" });
    return raw;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new AppError(400, "malformed", "The body is not valid JSON");
  }
  const bytes = Buffer.from(jsonBody.parse(parsed).keytabBase64, "base64");
  if (bytes.length > KEYTAB_MAX_BYTES) throw tooLarge();
  return bytes;
}

/** Upload the host's keytab: it must hold host/<fqdn>@REALM of the host's cell (admin). */
export const PUT = apiRoute({ role: "admin" }, async ({ req, actor, params }) => setKeytab(actor, String(params.name), await keytabBytes(req)));

const body = z.object({ action: z.literal("kadmin", { error: 'action must be "kadmin"' }) });

/** {"action": "kadmin"}: the console makes the principal (if new) and a keytab through kadmin; the old keytab stops working (admin). */
export const POST = apiRoute({ role: "admin", body }, ({ actor, params }) => createKeytab(actor, String(params.name)));

/** Remove the host's keytab (admin); 204. */
export const DELETE = apiRoute({ role: "admin" }, async ({ actor, params }) => {
  await clearKeytab(actor, String(params.name));
});
