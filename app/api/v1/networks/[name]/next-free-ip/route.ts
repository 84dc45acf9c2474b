import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { nextFreeIp } from "@/lib/data/hosts";
import { ipv4 } from "@/lib/validation/common";

/** The first usable address of the network no host, gateway, boot server or DNS server uses, outside its discovery range: `{ ip }` (null when full). */
export const GET = apiRoute({ role: "viewer", query: z.object({ after: ipv4("after").optional() }) }, async ({ actor, params, query }) => ({
  network: String(params.name),
  ip: await nextFreeIp(actor, String(params.name), query.after),
}));
