// The console pages' Content-Security-Policy (proxy.ts sets it on every page with a fresh nonce):
// scripts only from the console itself and inline ones carrying this response's nonce (Next.js
// puts it on its own inline scripts when the request has this header); nothing may frame the
// console, post forms elsewhere, or load objects. Styles allow inline attributes: React renders
// `style` attributes (bar widths of the timelines), which a nonce cannot cover, and styles
// cannot run code.

/** A fresh nonce: 16 random bytes, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

export function contentSecurityPolicy(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonced ones load are trusted too (Next.js chunks); dev: React's eval-based debugging
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${dev ? " ws:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
