import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { SESSION_COOKIE } from "@/lib/auth/session";
import { hasRole, type Actor } from "@/lib/auth/roles";
import { actorFromApiToken } from "@/lib/data/api-tokens";
import { actorFromSession } from "@/lib/data/sessions";
import { AppError, isDatabaseUnavailable } from "@/lib/errors";
import { readAtMost } from "./body";
import { errorFields, log } from "@/lib/log";
import type { RoleName } from "@/lib/validation/common";

// The one wrapper for app/api/v1/** route handlers: authenticate (bearer token or session cookie),
// check the role, validate query and body with zod, map every expected failure to one JSON shape:
//   { "error": { "code": "invalid", "message": "…", "fields": [{ "path": "gateway", "message": "…" }] } }

export interface ApiError {
  error: { code: string; message: string; fields?: { path: string; message: string }[] };
}

export function jsonError(status: number, code: string, message: string, fields?: ApiError["error"]["fields"]) {
  return NextResponse.json<ApiError>({ error: { code, message, ...(fields ? { fields } : {}) } }, { status });
}

const MAX_BODY = 1024 * 1024;

export async function authenticateRequest(req: NextRequest): Promise<Actor | null> {
  const auth = req.headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m ? actorFromApiToken(m[1]!) : null;
  }
  const cookie = req.cookies.get(SESSION_COOKIE)?.value;
  return cookie ? actorFromSession(cookie) : null;
}

/** Cookie-authenticated writes must come from our own pages (defence in depth beside SameSite). */
function sameOrigin(req: NextRequest): boolean {
  const origin = req.headers.get("origin");
  if (!origin) return true;
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

async function readJson(req: NextRequest): Promise<unknown> {
  const length = Number(req.headers.get("content-length") ?? "0");
  if (length > MAX_BODY) throw new AppError(413, "too_large", `The body is larger than ${MAX_BODY} bytes`);
  const type = req.headers.get("content-type") ?? "";
  const stream = req.body;
  const bytes = await readAtMost(stream as unknown as AsyncIterable<Uint8Array> | null, MAX_BODY, () => void stream?.cancel().catch(() => {}));
  if (!bytes) throw new AppError(413, "too_large", `The body is larger than ${MAX_BODY} bytes`);
  const textBody = bytes.toString("utf8");
  if (textBody.trim() === "" && !type) return undefined;
  if (!type.includes("application/json")) throw new AppError(415, "unsupported_media_type", "Send the body as application/json");
  try {
    return JSON.parse(textBody);
  } catch {
    throw new AppError(400, "malformed", "The body is not valid JSON");
  }
}

function zodFields(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

type Params = Record<string, string | string[] | undefined>;

export interface ApiContext<B, Q> {
  req: NextRequest;
  actor: Actor;
  body: B;
  query: Q;
  params: Params;
}

export function apiRoute<B extends z.ZodTypeAny = z.ZodUndefined, Q extends z.ZodTypeAny = z.ZodUndefined>(
  opts: { role: RoleName; body?: B; query?: Q },
  handler: (ctx: ApiContext<z.output<B>, z.output<Q>>) => Promise<unknown>,
) {
  return async (req: NextRequest, ctx: { params: Promise<Params> }): Promise<Response> => {
    try {
      const actor = await authenticateRequest(req);
      if (!actor) return jsonError(401, "unauthorized", "Authenticate with 'Authorization: Bearer <API token>' or a session");
      if (!hasRole(actor.role, opts.role)) {
        return jsonError(403, "forbidden", `This needs the ${opts.role} role; the caller has ${actor.role}`);
      }
      if (req.method !== "GET" && req.method !== "HEAD" && !req.headers.get("authorization") && !sameOrigin(req)) {
        return jsonError(403, "forbidden", "Cross-origin request refused");
      }
      let query: unknown = undefined;
      if (opts.query) {
        const parsed = opts.query.safeParse(Object.fromEntries(req.nextUrl.searchParams));
        if (!parsed.success) return jsonError(422, "invalid", "Invalid query parameters", zodFields(parsed.error));
        query = parsed.data;
      }
      let body: unknown = undefined;
      if (opts.body) {
        const parsed = opts.body.safeParse(await readJson(req));
        if (!parsed.success) return jsonError(422, "invalid", "The request body has invalid fields", zodFields(parsed.error));
        body = parsed.data;
      }
      const result = await handler({ req, actor, body: body as z.output<B>, query: query as z.output<Q>, params: await ctx.params });
      if (result instanceof Response) return result;
      if (result === undefined) return new NextResponse(null, { status: 204 });
      return NextResponse.json(result);
    } catch (e) {
      if (e instanceof z.ZodError) return jsonError(422, "invalid", "The request has invalid fields", zodFields(e));
      if (e instanceof AppError) {
        const fields = e.fields ? Object.entries(e.fields).map(([path, message]) => ({ path, message })) : undefined;
        return jsonError(e.status, e.code, e.message, fields);
      }
      if (isDatabaseUnavailable(e)) {
        log.warn("api route: the database is unreachable", { path: req.nextUrl.pathname, method: req.method, ...errorFields(e) });
        const res = jsonError(503, "unavailable", "The database cannot be reached right now; try again shortly");
        res.headers.set("retry-after", "5");
        return res;
      }
      log.error("api route failed", { path: req.nextUrl.pathname, method: req.method, ...errorFields(e) });
      return jsonError(500, "internal", "Internal error; the server log has details");
    }
  };
}

/** Query schema for paginated lists. */
export const listQuery = z.object({
  q: z.string().max(200).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
});
