import { apiRoute } from "@/lib/api/handler";
import { getPublication } from "@/lib/data/publications";
import { publicationQuery } from "@/lib/validation/publish";

export const GET = apiRoute({ role: "viewer", query: publicationQuery }, ({ actor, params, query }) =>
  getPublication(actor, String(params.id), { page: query.page, change: query.change, q: query.q }),
);
