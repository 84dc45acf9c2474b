import { apiRoute } from "@/lib/api/handler";
import { deleteCell, getCell, updateCell } from "@/lib/data/cells";
import { cellUpdate } from "@/lib/validation/cell";

const name = (params: Record<string, unknown>) => String(params.name);

export const GET = apiRoute({ role: "viewer" }, ({ actor, params }) => getCell(actor, name(params)));

/** Replaces the cell's settings and server list. `revision` must be the one last read. */
export const PUT = apiRoute({ role: "operator", body: cellUpdate }, ({ actor, params, body }) => updateCell(actor, name(params), body));

export const DELETE = apiRoute({ role: "operator" }, ({ actor, params }) => deleteCell(actor, name(params)));
