import { apiRoute } from "@/lib/api/handler";
import { getRollout } from "@/lib/data/rollouts";

export const GET = apiRoute({ role: "viewer" }, ({ actor, params }) => getRollout(actor, String(params.id)));
