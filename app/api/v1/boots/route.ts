import { apiRoute } from "@/lib/api/handler";
import { listBoots } from "@/lib/data/boot-log";
import { bootLogQuery } from "@/lib/validation/boot-log";

// The fleet's boot log: every boot, newest first, with the /boots page's filters.
export const GET = apiRoute({ role: "viewer", query: bootLogQuery }, ({ actor, query }) => listBoots(actor, query));
