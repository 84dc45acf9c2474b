import http from "node:http";
import https from "node:https";

// The HTTP(S) half of the Redfish driver: one request to one BMC, the certificate checked unless the
// BMC is marked insecure, the answer capped, every failure turned into a sentence an admin can act on.
// node:https rather than the global fetch: fetch cannot take a CA or skip the check per request.

/** No answer the driver reads comes near this; a broken BMC that streams forever is cut here. */
export const BODY_CAP = 1024 * 1024;

/** An expected failure (the BMC's fault, or the admin's setting): its message is the result's message. */
export class RedfishError extends Error {}

export interface BmcConnection {
  /** https://host[:port]: the only origin the driver talks to (it carries the password) */
  origin: string;
  insecure: boolean;
  /** the trusted CAs when an extra CA was given (the system's roots plus it), else Node's default */
  ca?: (string | Buffer)[];
  authorization?: string;
  /** aborts on the call's deadline or the caller's cancel; its reason is what the request rejects with */
  signal: AbortSignal;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A link from the BMC (an action's target, a task monitor), refused when it leaves the BMC's origin. */
function onBmc(c: BmcConnection, ref: string): URL {
  let url: URL;
  try {
    url = new URL(ref, c.origin);
  } catch {
    throw new RedfishError(`${c.origin}: the BMC gave a link that is not a URL: ${ref.slice(0, 200)}`);
  }
  if (url.origin !== c.origin) {
    throw new RedfishError(`${c.origin}: the BMC pointed to ${url.origin}, another address: not followed (the user and password would go there)`);
  }
  return url;
}

export function request(c: BmcConnection, method: string, ref: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<Answer> {
  const url = onBmc(c, ref);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: http.OutgoingHttpHeaders = { Accept: "application/json", "OData-Version": "4.0", ...extraHeaders };
  if (c.authorization) headers.Authorization = c.authorization;
  if (payload) {
    headers["Content-Type"] = "application/json";
    headers["Content-Length"] = payload.length;
  }
  const tls: https.RequestOptions = url.protocol === "https:" ? { rejectUnauthorized: !c.insecure, ...(c.ca ? { ca: c.ca } : {}) } : {};
  const transport = url.protocol === "https:" ? https : http;

  return new Promise<Answer>((resolve, reject) => {
    if (c.signal.aborted) return reject(c.signal.reason);
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      c.signal.removeEventListener("abort", onAbort);
      outcome();
    };
    const fail = (e: unknown) =>
      finish(() => {
        req.destroy();
        reject(e);
      });
    const onAbort = () => fail(c.signal.reason);

    const req = transport.request(url, { method, headers, agent: false, ...tls }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (b: Buffer) => {
        size += b.length;
        if (size > BODY_CAP)
          fail(new RedfishError(`${c.origin}: the answer to ${method} ${url.pathname} is larger than ${BODY_CAP / 1024 / 1024} MiB: not read`));
        else chunks.push(b);
      });
      res.on("end", () => finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") })));
      res.on("close", () => {
        if (!res.complete) fail(new RedfishError(`${c.origin}: the BMC closed the connection in the middle of its answer to ${method} ${url.pathname}`));
      });
    });
    c.signal.addEventListener("abort", onAbort, { once: true });
    req.on("error", (e: NodeJS.ErrnoException) => fail(new RedfishError(transportFailure(c.origin, e))));
    req.end(payload);
  });
}

// node's codes for a certificate it does not trust: OpenSSL's verify errors and its own name check
const CERTIFICATE_CODES = /CERT|SIGNATURE|ISSUER|ALTNAME|HOSTNAME_MISMATCH|INVALID_CA|CHAIN/;

/** The connection's failure in words: what happened, node's code, what to do. */
function transportFailure(origin: string, e: NodeJS.ErrnoException): string {
  const code = e.code ?? "";
  if (CERTIFICATE_CODES.test(code)) {
    return (
      `${origin}: the check of the BMC's TLS certificate failed (${code}: ${e.message}). ` +
      "Give the BMC a certificate from a CA the console trusts, give the console that CA's file, or mark this BMC insecure (its certificate is then not checked)."
    );
  }
  switch (code) {
    case "ECONNREFUSED":
      return `${origin}: connection refused (ECONNREFUSED): nothing listens there; check the BMC's address and port, and that the BMC is up`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${origin}: unreachable (${code}): no route to the BMC; check the address and the management network`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `${origin}: the BMC's host name does not resolve (${code})`;
    case "ECONNRESET":
    case "EPIPE":
      return `${origin}: the BMC closed the connection (${code})`;
    case "ETIMEDOUT":
      return `${origin}: the connection to the BMC timed out (ETIMEDOUT)`;
    default:
      return `${origin}: cannot talk to the BMC (${code ? `${code}: ` : ""}${e.message})`;
  }
}
