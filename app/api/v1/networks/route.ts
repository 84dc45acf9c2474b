import { apiRoute, listQuery } from "@/lib/api/handler";
import { createNetwork, getNetwork, listNetworks } from "@/lib/data/networks";
import { networkInput } from "@/lib/validation/network";
import { NextResponse } from "next/server";

export const GET = apiRoute({ role: "viewer", query: listQuery }, ({ actor, query }) => listNetworks(actor, query));

export const POST = apiRoute({ role: "operator", body: networkInput }, async ({ actor, body }) => {
  const row = await createNetwork(actor, body);
  return NextResponse.json(await getNetwork(actor, row!.name), { status: 201 });
});
