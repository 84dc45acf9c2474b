import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import type { NextRequest } from "next/server";
import { mayReadHostFile, ownScriptFetched, perHostMac } from "@/lib/api/boot-serving";
import { clientAddress } from "@/lib/api/client-address";
import { exportDir } from "@/lib/env";

// The published boot files, read-only over HTTP for iPXE and HTTP-booting firmware: /boot/<path>
// serves <export dir>/<path>. No login (machines fetch these while booting). The boot path does
// not need the console: a plain HTTP server on the export directory serves the same files. The
// DHCP configs (dhcp/) are for the DHCP server, not for clients, and are not served; neither are
// dot files (the publish lock, temporary files of a publish in progress). A host's own boot config
// carries its report token: it goes only to the host's reserved address (lib/api/boot-serving.ts);
// everyone else gets the same 404 as for a path that does not exist.

export const dynamic = "force-dynamic";

const SEGMENT = /^[A-Za-z0-9_+@-][A-Za-z0-9._+@-]*$/;
const TYPES: Record<string, string> = {
  ".ipxe": "text/plain; charset=utf-8",
  ".cfg": "text/plain; charset=utf-8",
  ".json": "application/json",
  ".gz": "application/gzip",
  ".efi": "application/efi",
  ".kpxe": "application/octet-stream",
};

function notFound() {
  return new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
}

async function serve(req: NextRequest, ctx: { params: Promise<{ path: string[] }> }, head: boolean): Promise<Response> {
  const segments = (await ctx.params).path;
  if (!segments.length || segments[0] === "dhcp" || !segments.every((s) => SEGMENT.test(s) && s.length <= 255)) return notFound();
  // served by its real path, which must stay inside the export directory: a symlink placed there
  // (by hand, by a hook) never serves a file from elsewhere
  let root: string;
  let file: string;
  let st: fs.Stats;
  try {
    root = fs.realpathSync(exportDir());
    file = fs.realpathSync(path.join(root, ...segments));
    if (!file.startsWith(`${root}${path.sep}`)) return notFound();
    st = fs.statSync(file);
  } catch {
    return notFound();
  }
  // the rules apply to what is served, whatever name (a symlink) it was asked by
  const rel = path.relative(root, file).split(path.sep);
  if (!st.isFile() || rel[0] === "dhcp" || rel.some((s) => s.startsWith("."))) return notFound();
  const mac = perHostMac(rel.join("/"));
  const from = clientAddress(req);
  if (mac && !(await mayReadHostFile(mac, from))) return notFound();
  const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const headers = {
    "content-type":
      segments[0] === "pxelinux.cfg" ? "text/plain; charset=utf-8" : (TYPES[path.extname(segments[segments.length - 1]!)] ?? "application/octet-stream"),
    "content-length": String(st.size),
    etag,
    "last-modified": st.mtime.toUTCString(),
    // per-host configs change with each publish; content-addressed images and overlays never do
    "cache-control": segments[0] === "images" || segments[0] === "overlays" ? "public, max-age=31536000, immutable" : "no-cache",
  };
  if (req.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers: { etag } });
  if (head) return new Response(null, { status: 200, headers });
  // a host fetching its own iPXE script is PXE booting: the pxe stage of its next boot
  if (mac && file.endsWith(".ipxe")) ownScriptFetched(mac, from, `HTTP GET /boot/${segments.join("/")}`);
  // a publish replaces files by rename: the open descriptor keeps reading the version it opened
  const stream = Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array>;
  return new Response(stream, { status: 200, headers });
}

export function GET(req: NextRequest, ctx: { params: Promise<{ path: string[] }> }) {
  return serve(req, ctx, false);
}

export function HEAD(req: NextRequest, ctx: { params: Promise<{ path: string[] }> }) {
  return serve(req, ctx, true);
}
