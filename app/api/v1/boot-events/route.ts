import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { clientAddress } from "@/lib/api/client-address";
import { jsonError } from "@/lib/api/handler";
import { TokenBuckets } from "@/lib/auth/rate-limit";
import { hasRole } from "@/lib/auth/roles";
import { API_TOKEN_PREFIX } from "@/lib/auth/secrets";
import { actorFromApiToken } from "@/lib/data/api-tokens";
import { hostByMac, identify, recordDiscovery, recordReport } from "@/lib/data/boot-ingest";
import { errorFields, log } from "@/lib/log";
import { bootEventInput, type BootEventInput } from "@/lib/validation/boot-event";

// POST /api/v1/boot-events (DESIGN.md "Report API"): what booting hosts and the DHCP servers'
// hooks report. Everything is checked here, before anything is stored: size (16 KiB, read no
// further), encoding (JSON or form), fields, and the host's report token. Limits: per host (a
// boot sends about ten reports, so 60 at once and one a second after that never slows a real
// boot, even when thousands of hosts arrive through one proxy address) and, for bad requests and
// reports from unknown machines only, per source address: past 30 of those at once (then one
// every 2 s) they are answered 429, while valid reports from the same address still pass.

export const dynamic = "force-dynamic";

const MAX_BODY = 16 * 1024;
const perHost = new TokenBuckets(60, 1);
/** bad requests and discovery reports per source address: 30 at once, then one every 2 s */
const perSource = new TokenBuckets(30, 0.5);

class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

async function readBody(req: NextRequest): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY) throw new Refused(413, "too_large", `The body is larger than ${MAX_BODY} bytes`);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BODY) {
      await reader.cancel(); // read no further
      throw new Refused(413, "too_large", `The body is larger than ${MAX_BODY} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parse(type: string, text: string): Record<string, unknown> {
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
    const form = new URLSearchParams(text);
    const out: Record<string, string> = {};
    for (const [k, v] of form) if (!(k in out)) out[k] = v;
    return out;
  }
  throw new Refused(415, "unsupported_media_type", "Send the report as application/json or application/x-www-form-urlencoded");
}

/**
 * The boot server's own reports (the DHCP hook script): an API token with the operator role, for
 * the stages only a server sees (pxe, dhcp), about any MAC. Enrolled MACs get the stage on their
 * (pre-)boot; others are listed under Unknown hosts.
 */
async function serverReport(token: string, input: BootEventInput): Promise<Response> {
  const actor = await actorFromApiToken(token);
  if (!actor) throw new Refused(401, "unauthorized", "Unknown, revoked or expired API token");
  if (!hasRole(actor.role, "operator")) throw new Refused(403, "forbidden", `Reporting boot events with an API token needs the operator role; the token has ${actor.role}`);
  if (input.stage !== "pxe" && input.stage !== "dhcp") throw new Refused(422, "invalid", "An API token reports only the boot server's stages (pxe, dhcp); hosts report with their own report token", [{ path: "stage", message: "must be pxe or dhcp" }]);
  const host = await hostByMac(input.mac);
  if (!host) {
    await recordDiscovery(input);
    return NextResponse.json({ accepted: true, discovered: true }, { status: 202 });
  }
  const { duplicate } = await recordReport(host.id, input);
  return NextResponse.json({ accepted: true, duplicate }, { status: duplicate ? 200 : 202 });
}

export async function POST(req: NextRequest): Promise<Response> {
  const from = clientAddress(req);
  try {
    const fields = parse(req.headers.get("content-type") ?? "", await readBody(req));
    const parsed = bootEventInput.safeParse(fields);
    if (!parsed.success) {
      throw new Refused(422, "invalid", "The report has invalid fields", parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })));
    }
    const input = parsed.data;
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "")?.[1];
    if (bearer?.startsWith(API_TOKEN_PREFIX)) return await serverReport(bearer, input);
    const who = await identify(input.mac, bearer ?? input.token);
    if (who.kind === "refused") throw new Refused(401, "unauthorized", who.message);
    if (who.kind === "unknown") {
      if (!perSource.take(from)) throw new Refused(429, "rate_limited", "Too many reports from unknown machines at this address");
      await recordDiscovery(input);
      return NextResponse.json({ accepted: true, discovered: true }, { status: 202 });
    }
    if (!perHost.take(who.host.id)) {
      return NextResponse.json({ error: { code: "rate_limited", message: `host ${who.host.name} sends reports faster than a boot does` } }, { status: 429, headers: { "retry-after": String(perHost.retryAfter(who.host.id)) } });
    }
    const { duplicate } = await recordReport(who.host.id, input);
    return NextResponse.json({ accepted: true, duplicate }, { status: duplicate ? 200 : 202 });
  } catch (e) {
    if (e instanceof Refused) {
      // bad requests count against their source; past its allowance they get 429 instead (valid
      // reports from the same address are never refused for it: a proxy carries both)
      if (e.status === 429 || !perSource.take(from)) {
        const res = jsonError(429, "rate_limited", "Too many bad or unauthenticated reports from this address; slow down");
        res.headers.set("retry-after", String(Math.max(1, perSource.retryAfter(from))));
        return res;
      }
      return jsonError(e.status, e.code, e.message, e.fields);
    }
    if (e instanceof z.ZodError) return jsonError(422, "invalid", "The report has invalid fields");
    log.error("boot report failed", { source: from, ...errorFields(e) });
    return jsonError(503, "unavailable", "The report could not be stored; send it again");
  }
}
