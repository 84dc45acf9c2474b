import { apiRoute } from "@/lib/api/handler";
import { deleteNetwork, getNetwork, updateNetwork } from "@/lib/data/networks";
import { networkUpdate } from "@/lib/validation/network";

const name = (params: Record<string, unknown>) => String(params.name);

export const GET = apiRoute({ role: "viewer" }, ({ actor, params }) => getNetwork(actor, name(params)));

/** Replaces the network's settings. `revision` must be the one last read (optimistic concurrency). */
export const PUT = apiRoute({ role: "operator", body: networkUpdate }, async ({ actor, params, body }) => {
  const row = await updateNetwork(actor, name(params), body);
  return getNetwork(actor, row!.name);
});

export const DELETE = apiRoute({ role: "operator" }, ({ actor, params }) => deleteNetwork(actor, name(params)));
