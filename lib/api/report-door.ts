import "server-only";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyIncomplete } from "./body";
import { handleBootReport } from "./boot-report";

// The console server's own door to POST /api/v1/boot-events (bin/afsboot-server.mjs, handed over by
// instrumentation.ts): the report handler on a plain node:http request, without the Next.js
// pipeline. Reports are small (16 KiB at most) and sent at once, so a body that is still arriving
// after REPORT_BODY_MS is refused (408, connection closed) rather than held for the server's
// 300 s, and bodies still arriving at once are capped per source address and in all: past the cap
// the report gets 503 and Retry-After at once. (Headers have the server's headersTimeout.)

export interface DoorLimits {
  /** from the request's start to the body's end */
  bodyMs: number;
  /** report bodies still arriving, per source address */
  perSource: number;
  /** report bodies still arriving, in all */
  total: number;
}

export const REPORT_LIMITS: DoorLimits = { bodyMs: 10_000, perSource: 256, total: 4096 };

const arriving = new Map<string, number>();
let arrivingTotal = 0;

/** Report bodies still arriving now: per source address, or in all. */
export function bodiesArriving(from?: string): number {
  return from === undefined ? arrivingTotal : (arriving.get(from) ?? 0);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), "cache-control": "no-store", ...headers });
  res.end(text);
}

/**
 * The body as an async iterable: ends early (and the request is answered 408) when it does not
 * arrive in time, stops when the client goes away, and can be told to read no further (413).
 * `settled` runs once the body is in, has failed, or is no longer read. One iterator object, no
 * generators: a report is one chunk, read thousands of times a second in a boot storm.
 */
function bodyOf(req: IncomingMessage, deadline: Promise<void>, settled: () => void): AsyncIterable<Uint8Array> {
  const queue: Buffer[] = [];
  let ended = false;
  let failed: Error | null = null as Error | null;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  req.on("data", (c: Buffer) => (queue.push(c), poke()));
  req.on("end", () => ((ended = true), poke()));
  req.on("error", (e) => ((failed = e), poke()));
  req.on("close", () => (ended || failed || (failed = new BodyIncomplete("the client went away before its report's body arrived")), poke()));
  void deadline.then(() => ((failed ??= new BodyIncomplete("the report's body did not arrive in time")), poke()));
  const done = (): IteratorReturnResult<undefined> => (settled(), { value: undefined, done: true });
  const iterator: AsyncIterator<Uint8Array, undefined> = {
    async next() {
      for (;;) {
        if (failed) {
          settled();
          throw failed;
        }
        if (queue.length) return { value: queue.shift()!, done: false };
        if (ended) return done();
        await new Promise<void>((r) => (wake = r));
      }
    },
    async return() {
      return done();
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

export async function serveReport(req: IncomingMessage, res: ServerResponse, from: string, limits: DoorLimits = REPORT_LIMITS): Promise<void> {
  if (arrivingTotal >= limits.total || (arriving.get(from) ?? 0) >= limits.perSource) {
    send(res, 503, { error: { code: "busy", message: "Too many reports arriving at once; send it again" } }, { "retry-after": "5", connection: "close" });
    req.resume(); // discard the body; the connection closes after the answer
    return;
  }
  arriving.set(from, (arriving.get(from) ?? 0) + 1);
  arrivingTotal++;
  let counted = true;
  const uncount = () => {
    if (!counted) return;
    counted = false;
    arrivingTotal--;
    const n = (arriving.get(from) ?? 1) - 1;
    if (n > 0) arriving.set(from, n);
    else arriving.delete(from);
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      send(res, 408, { error: { code: "timeout", message: `The report's body did not arrive within ${limits.bodyMs / 1000} s` } }, { connection: "close" });
      res.once("finish", () => req.destroy());
      resolve();
    }, limits.bodyMs);
  });
  let stopped = false;
  // the body is in (or will never be): it no longer counts as arriving
  const body = bodyOf(req, deadline, () => (uncount(), clearTimeout(timer)));
  try {
    const out = await handleBootReport({
      contentType: req.headers["content-type"] ?? "",
      contentLength: req.headers["content-length"] ?? null,
      authorization: req.headers.authorization ?? null,
      from,
      body,
      cancel: () => {
        stopped = true;
        req.pause();
      },
    });
    send(res, out.status, out.body, { ...(stopped ? { connection: "close" } : {}), ...out.headers });
  } finally {
    uncount();
    clearTimeout(timer);
  }
}
