import { apiRoute } from "@/lib/api/handler";
import { exportDir } from "@/lib/env";
import { publish } from "@/lib/data/publish";
import { listPublications } from "@/lib/data/publications";
import { publicationQuery, publishRequest } from "@/lib/validation/publish";
import { NextResponse } from "next/server";

/** Diffs in a response are capped; the publication keeps them all (GET /publications/{id}). */
const MAX_DIFFS = 200;

export const GET = apiRoute({ role: "viewer", query: publicationQuery }, ({ actor, query }) =>
  listPublications(actor, { page: query.page, status: query.status }),
);

/** Publish into the console's export directory (or preview with dryRun): 201 with what changed. */
export const POST = apiRoute({ role: "operator", body: publishRequest }, async ({ actor, body }) => {
  const r = await publish(actor, { outDir: exportDir(), dryRun: body.dryRun, hosts: body.hosts });
  // the whole diffs (compressed) stay with the publication: GET /publications/{id}/diff?path=
  const changes = r.changes.map(({ diffGzip, ...c }, i) => ({ ...c, diff: i < MAX_DIFFS ? (c.diff ?? null) : null, wholeDiff: !!diffGzip }));
  return NextResponse.json({ ...r, changes }, { status: r.status === "dry_run" ? 200 : 201 });
});
