import { apiRoute } from "@/lib/api/handler";

/** Who the caller is: handy to check a token. */
export const GET = apiRoute({ role: "viewer" }, async ({ actor }) => ({ type: actor.type, name: actor.name, role: actor.role }));
