import { describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { proxy } from "@/proxy";
import { contentSecurityPolicy, newNonce } from "./csp";

describe("Content-Security-Policy of the console's pages", () => {
  it("allows scripts only from the console and with this response's nonce; no framing, objects or foreign form targets", () => {
    const csp = contentSecurityPolicy("abc123==");
    const directives = Object.fromEntries(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
    expect(directives["script-src"]).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(directives["script-src"]).not.toContain("'unsafe-inline'");
    expect(directives["frame-ancestors"]).toEqual(["'none'"]);
    expect(directives["object-src"]).toEqual(["'none'"]);
    expect(directives["form-action"]).toEqual(["'self'"]);
    expect(directives["base-uri"]).toEqual(["'self'"]);
    expect(contentSecurityPolicy("n", true)).toContain("'unsafe-eval'");
  });

  it("a fresh nonce for every request", () => {
    const seen = new Set(Array.from({ length: 100 }, newNonce));
    expect(seen.size).toBe(100);
    for (const n of seen) expect(Buffer.from(n, "base64")).toHaveLength(16);
  });

  it("the proxy sets it on every page, signed in or not, and hands the nonce to the page's render", () => {
    for (const [path, cookie] of [
      ["/hosts", "afsboot_session=x"],
      ["/login", ""],
    ] as const) {
      const res = proxy(new NextRequest(`http://127.0.0.1:3000${path}`, { headers: cookie ? { cookie } : {} }));
      const csp = res.headers.get("content-security-policy")!;
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce, path).toBeTruthy();
      // NextResponse.next({ request: { headers } }) passes request headers on as x-middleware-request-*
      expect(res.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
      expect(res.headers.get("x-middleware-request-x-nonce")).toBe(nonce);
    }
    // a page without a session goes to sign in (a redirect has no page to protect)
    expect(proxy(new NextRequest("http://127.0.0.1:3000/hosts")).status).toBe(307);
  });
});
