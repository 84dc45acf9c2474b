import "server-only";
import type { z } from "zod";
import { TokenBuckets } from "@/lib/auth/rate-limit";
import { activateIdentity, auditMalformed, deliverBundle } from "@/lib/data/identity";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { errorFields, log } from "@/lib/log";
import { activateInput, bundleInput } from "@/lib/validation/identity";
import { parse, readBody, Refused, type ReportRequest } from "./boot-report";
import { BodyIncomplete } from "./body";

// The two requests of a booting host's secrets (docs/security.md, lib/data/identity.ts), form
// fields or JSON like the report API. Answers are bytes (the credential, the bundle); a refusal is
// the one JSON error shape plus X-AFSBoot-Refused: the reason in one line, which busybox wget -S
// prints on an error, so /init can report why at afs.

export interface IdentityResponse {
  status: number;
  body: Buffer | { error: { code: string; message: string; fields?: { path: string; message: string }[] } };
  headers: Record<string, string>;
}

/** requests per source address: 20 at once, then one every 5 s (every refusal is audited) */
const perSource = ((globalThis as Record<symbol, unknown>)[Symbol.for("afsboot.identityLimits")] ??= new TokenBuckets(20, 0.2)) as TokenBuckets;

const oneLine = (s: string) => s.replace(/[^\x20-\x7e]/g, " ").slice(0, 300);

function refusal(status: number, code: string, message: string, fields?: { path: string; message: string }[]): IdentityResponse {
  return {
    status,
    body: { error: { code, message, ...(fields ? { fields } : {}) } },
    headers: { "content-type": "application/json", "x-afsboot-refused": oneLine(message), "cache-control": "no-store" },
  };
}

async function input<T extends z.ZodTypeAny>(r: ReportRequest, schema: T): Promise<z.output<T>> {
  const fields = parse(r.contentType, await readBody(r));
  const v = schema.safeParse(fields);
  if (!v.success) {
    const list = v.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    const message = list.map((f) => f.message).join("; ");
    // a malformed request from an enrolled host (its MAC and report token hold): audited on the host
    await auditMalformed(fields, message, r.from);
    throw new Refused(422, "invalid", message, list);
  }
  return v.data as z.output<T>;
}

async function door(r: ReportRequest, work: () => Promise<IdentityResponse>): Promise<IdentityResponse> {
  if (!perSource.take(r.from)) {
    const limited = refusal(429, "rate_limited", "Too many identity requests from this address");
    return { ...limited, headers: { ...limited.headers, "retry-after": String(Math.max(1, perSource.retryAfter(r.from))) } };
  }
  try {
    return await work();
  } catch (e) {
    if (e instanceof Refused || e instanceof AppError) return refusal(e.status, e.code, e.message, e instanceof Refused ? e.fields : undefined);
    if (e instanceof BodyIncomplete) return refusal(400, "incomplete", "The body did not arrive in time");
    log.error("identity request failed", errorFields(e));
    return refusal(503, "unavailable", "The console could not answer; try again");
  }
}

const bytes = (body: Buffer, headers: Record<string, string> = {}): IdentityResponse => ({
  status: 200,
  body,
  headers: { "content-type": "application/octet-stream", "cache-control": "no-store", ...headers },
});

/** POST /api/v1/identity/activate: the credential for this boot (X-AFSBoot-Activation: its id). */
export const handleActivate = (r: ReportRequest) =>
  door(r, async () => {
    const v = await input(r, activateInput);
    const a = await activateIdentity(v, r.from);
    return bytes(a.credential, { "x-afsboot-activation": a.activation });
  });

/** POST /api/v1/identity/bundle: this boot's secrets, once (X-AFSBoot-Bundle: encrypted or plain). */
export const handleBundle = (r: ReportRequest, sourcePort: number | null) =>
  door(r, async () => {
    const v = await input(r, bundleInput);
    const b = await deliverBundle(v, { ip: r.from, port: sourcePort });
    return bytes(b.body, { "x-afsboot-bundle": b.encrypted ? "encrypted" : "plain" });
  });

/**
 * A Next.js Response. A refusal's reason is also the status line's reason phrase ("HTTP/1.1 403
 * identity mismatch: …"): busybox wget prints only that line of an error, so /init can report why.
 */
export const toResponse = (r: IdentityResponse) =>
  new Response(Buffer.isBuffer(r.body) ? new Uint8Array(r.body) : JSON.stringify(r.body), {
    status: r.status,
    ...(r.headers["x-afsboot-refused"] ? { statusText: r.headers["x-afsboot-refused"] } : {}),
    headers: r.headers,
  });

/** The request's parts the handlers read, from a Next.js route. */
export function machineRequest(req: Request, from: string): ReportRequest {
  const body = req.body;
  return {
    contentType: req.headers.get("content-type") ?? "",
    contentLength: req.headers.get("content-length"),
    authorization: null,
    from,
    body: body as unknown as AsyncIterable<Uint8Array> | null,
    cancel: () => void body?.cancel().catch(() => {}),
  };
}

/** The client's source port, which only the console server knows (not behind a proxy): bin/afsboot-server.mjs. */
export const CLIENT_PORT_HEADER = "x-afsboot-client-port";
export function clientPort(req: Request): number | null {
  if (!env().AFSBOOT_CONSOLE_SERVER) return null; // anyone could write the header
  const v = req.headers.get(CLIENT_PORT_HEADER);
  return v && /^\d{1,5}$/.test(v) ? Number(v) : null;
}
