import { apiRoute } from "@/lib/api/handler";
import { hostToken, rotateHostToken } from "@/lib/data/host-token";

/** The host's report token (operator). */
export const GET = apiRoute({ role: "operator" }, ({ actor, params }) => hostToken(actor, String(params.name)));

/** Rotate it: the old token stops working; the host's files are published again with the new one. */
export const POST = apiRoute({ role: "operator" }, ({ actor, params }) => rotateHostToken(actor, String(params.name)));
