import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/api/handler";
import { createHost, getHost, listHosts } from "@/lib/data/hosts";
import { hostInput } from "@/lib/validation/host";
import { hostQuery } from "@/lib/validation/host-query";

export const GET = apiRoute({ role: "viewer", query: hostQuery }, ({ actor, query }) => listHosts(actor, query));

export const POST = apiRoute({ role: "operator", body: hostInput }, async ({ actor, body }) => {
  const created = await createHost(actor, body);
  return NextResponse.json(await getHost(actor, created.name), { status: 201 });
});
