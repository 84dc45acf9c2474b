import { NextResponse } from "next/server";
import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { BOOT_STATES, createHost, getHost, HOST_SORTS, listHosts } from "@/lib/data/hosts";
import { hostInput } from "@/lib/validation/host";

const query = z.object({
  q: z.string().max(200).optional(),
  cell: z.string().max(253).optional(),
  release: z.string().max(100).optional(),
  network: z.string().max(100).optional(),
  tag: z.string().max(40).optional(),
  state: z.enum(BOOT_STATES).optional(),
  sort: z.enum(HOST_SORTS).optional(),
  dir: z.enum(["asc", "desc"]).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  pageSize: z.coerce.number().int().min(1).max(500).optional(),
});

export const GET = apiRoute({ role: "viewer", query }, ({ actor, query }) => listHosts(actor, query));

export const POST = apiRoute({ role: "operator", body: hostInput }, async ({ actor, body }) => {
  const created = await createHost(actor, body);
  return NextResponse.json(await getHost(actor, created.name), { status: 201 });
});
