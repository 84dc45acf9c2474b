import { apiRoute } from "@/lib/api/handler";
import { hostBootFiles } from "@/lib/data/boot-files";

/** The host's boot files as the next publish writes them, each with its published state. */
export const GET = apiRoute({ role: "viewer" }, ({ actor, params }) => hostBootFiles(actor, String(params.name)));
