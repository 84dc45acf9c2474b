import { NextResponse } from "next/server";
import { apiRoute, listQuery } from "@/lib/api/handler";
import { createRelease, getRelease, listReleases } from "@/lib/data/releases";
import { releaseInput } from "@/lib/validation/release";

export const GET = apiRoute({ role: "viewer", query: listQuery }, ({ actor, query }) => listReleases(actor, query));

export const POST = apiRoute({ role: "operator", body: releaseInput }, async ({ actor, body }) => {
  const row = await createRelease(actor, body);
  return NextResponse.json(await getRelease(actor, row!.name), { status: 201 });
});
