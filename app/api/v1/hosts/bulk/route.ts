import { NextResponse } from "next/server";
import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { enrollHosts } from "@/lib/data/host-bulk";
import { hostInput } from "@/lib/validation/host";

/** Enrolls many hosts, all or nothing: {"hosts": [ {name, mac, ip, cell, release, tags?}, … ]}. */
const body = z.object({ hosts: z.array(hostInput).min(1, "at least one host").max(50_000, "at most 50,000 hosts per request") });

export const POST = apiRoute({ role: "operator", body }, async ({ actor, body }) => {
  const created = await enrollHosts(actor, body.hosts);
  return NextResponse.json({ created: created.length, hosts: created.map((h) => h.name) }, { status: 201 });
});
