import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, newNonce } from "@/lib/http/csp";

// First line of defence only: pages without a session cookie go to /login at once. The real
// check (is the session valid, does the role allow it) happens in the layout and the data layer;
// API routes answer 401 JSON themselves. Every page gets a Content-Security-Policy with a fresh
// nonce (lib/http/csp.ts), which Next.js puts on its inline scripts.
const PUBLIC = ["/login", "/setup", "/api/", "/_next/", "/favicon.ico", "/icon.svg", "/boot/"];

export function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (!PUBLIC.some((p) => pathname === p || pathname.startsWith(p)) && !req.cookies.has("afsboot_session")) {
    const url = req.nextUrl.clone();
    url.pathname = "/login";
    url.search = pathname === "/" ? "" : `?next=${encodeURIComponent(pathname + search)}`;
    return NextResponse.redirect(url);
  }
  const nonce = newNonce();
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const headers = new Headers(req.headers);
  headers.set("x-nonce", nonce);
  // the console layout checks the page's role (lib/auth/roles.ts pageRole) before streaming
  headers.set("x-afsboot-path", pathname);
  headers.set("content-security-policy", csp);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set("content-security-policy", csp);
  return res;
}

export const config = {
  // not the API or /boot/: they answer for themselves, and boot reports are the hot path
  matcher: ["/((?!_next/static|_next/image|favicon.ico|icon.svg|api/|boot/).*)"],
};
