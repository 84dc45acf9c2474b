import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { versionOverlay } from "@/lib/data/boot-files";

const query = z.strictObject({ cell: z.string().min(1, "choose a cell").max(253) });

/** The version's overlay initrd for a cell (gzip'd newc cpio), as publish writes it. */
export const GET = apiRoute({ role: "viewer", query }, async ({ actor, params, query }) => {
  const o = await versionOverlay(actor, String(params.name), String(params.version), query.cell);
  return new Response(new Uint8Array(o.bytes), {
    headers: {
      "content-type": "application/gzip",
      "content-disposition": `attachment; filename="${o.filename}"`,
      "content-length": String(o.bytes.length),
      "x-content-sha256": o.sha256,
      "cache-control": "no-store",
    },
  });
});
