import { apiRoute } from "@/lib/api/handler";
import { deleteHost, getHost, updateHost } from "@/lib/data/hosts";
import { hostUpdate } from "@/lib/validation/host";

const name = (p: Record<string, unknown>) => String(p.name);

export const GET = apiRoute({ role: "viewer" }, ({ actor, params }) => getHost(actor, name(params)));

/** Replaces the host's settings; `revision` must be the one last read (409 otherwise). */
export const PUT = apiRoute({ role: "operator", body: hostUpdate }, async ({ actor, params, body }) => {
  const updated = await updateHost(actor, name(params), body);
  return getHost(actor, updated.name);
});

export const DELETE = apiRoute({ role: "operator" }, ({ actor, params }) => deleteHost(actor, name(params)));
