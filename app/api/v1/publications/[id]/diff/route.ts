import { apiRoute } from "@/lib/api/handler";
import { getWholeDiff } from "@/lib/data/publications";
import { wholeDiffQuery } from "@/lib/validation/publish";

/** One changed file's whole diff, as a download (text/x-diff): what the page shows cut at 64 KiB. */
export const GET = apiRoute({ role: "viewer", query: wholeDiffQuery }, async ({ actor, params, query }) => {
  const id = String(params.id);
  const text = await getWholeDiff(actor, id, query.path);
  const name = `${id}-${query.path}`.replace(/[^A-Za-z0-9._-]+/g, "_") + ".diff";
  return new Response(text, {
    headers: {
      "content-type": "text/x-diff; charset=utf-8",
      "content-disposition": `attachment; filename="${name}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
