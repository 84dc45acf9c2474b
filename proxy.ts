import { NextResponse, type NextRequest } from "next/server";

// First line of defence only: pages without a session cookie go to /login at once. The real
// check (is the session valid, does the role allow it) happens in the layout and the data layer;
// API routes answer 401 JSON themselves.
const PUBLIC = ["/login", "/setup", "/api/", "/_next/", "/favicon.ico", "/icon.svg", "/boot/"];

export function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (PUBLIC.some((p) => pathname === p || pathname.startsWith(p))) return NextResponse.next();
  if (req.cookies.has("afsboot_session")) return NextResponse.next();
  const url = req.nextUrl.clone();
  url.pathname = "/login";
  url.search = pathname === "/" ? "" : `?next=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(url);
}

export const config = {
  // not the API or /boot/: they answer for themselves, and boot reports are the hot path
  matcher: ["/((?!_next/static|_next/image|favicon.ico|icon.svg|api/|boot/).*)"],
};
