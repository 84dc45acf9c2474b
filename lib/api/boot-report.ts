import "server-only";
import { z } from "zod";
import { TokenBuckets } from "@/lib/auth/rate-limit";
import { hasRole } from "@/lib/auth/roles";
import { API_TOKEN_PREFIX } from "@/lib/auth/secrets";
import { actorFromApiToken } from "@/lib/data/api-tokens";
import { ReportQueueFull, recordReport } from "@/lib/data/boot-ingest";
import { hostByMac, identify } from "@/lib/data/boot-reporters";
import { recordDiscovery } from "@/lib/data/discovery";
import { errorFields, log } from "@/lib/log";
import { parseBootEvent, type BootEventInput } from "@/lib/validation/boot-event";
import { BodyIncomplete, readAtMost } from "./body";
import { plainAddress } from "./client-address";

// POST /api/v1/boot-events (DESIGN.md "Report API"): what booting hosts and the DHCP servers'
// hooks report. One implementation, two doors: the Next.js route (app/api/v1/boot-events) and the
// console server's fast path (bin/afsboot-server.mjs), which answers reports before the Next.js
// pipeline (2-3 ms of CPU per request) so that a boot storm of 10,000 hosts is not queued behind it.
//
// Everything is checked before anything is stored: size (16 KiB, read no further), encoding (JSON
// or form), fields, and the host's report token. Limits: per host (a boot sends about ten reports,
// so 60 at once and one a second after that never slows a real boot, even when thousands of hosts
// arrive through one proxy address), counted apart for reports from the host's reserved address
// and from anywhere else, so that someone who learnt a host's token cannot flood the host's own
// reports into 429; and, for bad requests and reports from unknown machines only, per source
// address: past 30 of those at once (then one every 2 s) they are answered 429, while valid
// reports from the same address still pass.

export const MAX_REPORT_BODY = 16 * 1024;

/** What the handler needs of a request, whichever server received it. */
export interface ReportRequest {
  contentType: string;
  contentLength: string | null;
  authorization: string | null;
  /** the client's address (see clientAddress) */
  from: string;
  body: AsyncIterable<Uint8Array> | null;
  /** stop reading the body (after 413) */
  cancel?: () => void;
}

export interface ReportResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

// the limits are process-wide, whichever door a report came through
const limits = ((globalThis as Record<symbol, unknown>)[Symbol.for("afsboot.reportLimits")] ??= {
  /** valid reports per host: keys "<host id> own" (from its reserved address) and "<host id> elsewhere" */
  perHost: new TokenBuckets(60, 1),
  /** bad requests and discovery reports per source address: 30 at once, then one every 2 s */
  perSource: new TokenBuckets(30, 0.5),
}) as { perHost: TokenBuckets; perSource: TokenBuckets };

export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

const tooLarge = () => new Refused(413, "too_large", `The body is larger than ${MAX_REPORT_BODY} bytes`);

/** A machine's body (reports, identity requests), at most MAX_REPORT_BODY bytes. */
export async function readBody(r: ReportRequest): Promise<string> {
  if (Number(r.contentLength ?? "0") > MAX_REPORT_BODY) {
    r.cancel?.();
    throw tooLarge();
  }
  const bytes = await readAtMost(r.body, MAX_REPORT_BODY, r.cancel);
  if (!bytes) throw tooLarge();
  return bytes.toString("utf8");
}

/** JSON or form fields (busybox wget sends forms); the first of repeated fields counts. */
export function parse(type: string, text: string): Record<string, unknown> {
  if (type.includes("application/json")) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Refused(400, "malformed", "The body is not valid JSON");
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw new Refused(400, "malformed", "The body must be a JSON object");
    return body as Record<string, unknown>;
  }
  if (type.includes("application/x-www-form-urlencoded") || type === "") {
    if (/%(?![0-9A-Fa-f]{2})/.test(text)) throw new Refused(400, "malformed", "The form body has a broken %-escape");
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(text)) if (!(k in out)) out[k] = v;
    return out;
  }
  throw new Refused(415, "unsupported_media_type", "Send the report as application/json or application/x-www-form-urlencoded");
}

const ok = (status: number, body: unknown): ReportResponse => ({ status, body });
const error = (
  status: number,
  code: string,
  message: string,
  fields?: { path: string; message: string }[],
  headers?: Record<string, string>,
): ReportResponse => ({
  status,
  body: { error: { code, message, ...(fields ? { fields } : {}) } },
  ...(headers ? { headers } : {}),
});

/**
 * The boot server's own reports (the DHCP hook script): an API token with the operator role, for
 * the stages only a server sees (pxe, dhcp), about any MAC. Enrolled MACs get the stage on their
 * (pre-)boot; others are listed under Unknown hosts.
 */
async function serverReport(token: string, input: BootEventInput): Promise<ReportResponse> {
  const actor = await actorFromApiToken(token);
  if (!actor) throw new Refused(401, "unauthorized", "Unknown, revoked or expired API token");
  if (!hasRole(actor.role, "operator"))
    throw new Refused(403, "forbidden", `Reporting boot events with an API token needs the operator role; the token has ${actor.role}`);
  if (input.stage !== "pxe" && input.stage !== "dhcp")
    throw new Refused(422, "invalid", "An API token reports only the boot server's stages (pxe, dhcp); hosts report with their own report token", [
      { path: "stage", message: "must be pxe or dhcp" },
    ]);
  const host = await hostByMac(input.mac);
  if (!host) {
    await recordDiscovery(input);
    return ok(202, { accepted: true, discovered: true });
  }
  const { duplicate } = await recordReport(host.id, input);
  return ok(duplicate ? 200 : 202, { accepted: true, duplicate });
}

export async function handleBootReport(r: ReportRequest): Promise<ReportResponse> {
  const { perHost, perSource } = limits;
  const from = r.from;
  try {
    const fields = parse(r.contentType, await readBody(r));
    const parsed = parseBootEvent(fields);
    if (!parsed.success) {
      throw new Refused(
        422,
        "invalid",
        "The report has invalid fields",
        parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
      );
    }
    const input = parsed.data;
    const bearer = /^Bearer\s+(\S+)$/i.exec(r.authorization ?? "")?.[1];
    // the boot server's API token: as Bearer, or as the token field (so that its hook can post it
    // from a file instead of putting it on a command line)
    const apiToken = [bearer, input.token].find((t) => t?.startsWith(API_TOKEN_PREFIX));
    if (apiToken) return await serverReport(apiToken, input);
    const who = await identify(input.mac, bearer ?? input.token);
    if (who.kind === "refused") throw new Refused(401, "unauthorized", who.message);
    if (who.kind === "unknown") {
      if (!perSource.take(from)) throw new Refused(429, "rate_limited", "Too many reports from unknown machines at this address");
      await recordDiscovery(input);
      return ok(202, { accepted: true, discovered: true });
    }
    const key = `${who.host.id} ${plainAddress(from) === who.host.ip ? "own" : "elsewhere"}`;
    if (!perHost.take(key)) {
      return error(429, "rate_limited", `host ${who.host.name} sends reports faster than a boot does`, undefined, {
        "retry-after": String(perHost.retryAfter(key)),
      });
    }
    const { duplicate } = await recordReport(who.host.id, input);
    return ok(duplicate ? 200 : 202, { accepted: true, duplicate });
  } catch (e) {
    if (e instanceof Refused) {
      // bad requests count against their source; past its allowance they get 429 instead (valid
      // reports from the same address are never refused for it: a proxy carries both)
      if (e.status === 429 || !perSource.take(from)) {
        return error(429, "rate_limited", "Too many bad or unauthenticated reports from this address; slow down", undefined, {
          "retry-after": String(Math.max(1, perSource.retryAfter(from))),
        });
      }
      return error(e.status, e.code, e.message, e.fields);
    }
    if (e instanceof z.ZodError) return error(422, "invalid", "The report has invalid fields");
    if (e instanceof BodyIncomplete) return error(408, "timeout", e.message);
    if (e instanceof ReportQueueFull) return error(503, "busy", e.message, undefined, { "retry-after": "5" });
    log.error("boot report failed", { source: from, ...errorFields(e) });
    return error(503, "unavailable", "The report could not be stored; send it again");
  }
}
