import { apiRoute } from "@/lib/api/handler";
import { pendingChanges, publishSettings } from "@/lib/data/publications";

/** How many changes wait to be published, where publications go and which hooks run after. */
export const GET = apiRoute({ role: "viewer" }, async ({ actor }) => ({ ...(await pendingChanges(actor)), ...publishSettings(actor) }));
