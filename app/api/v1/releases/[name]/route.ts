import { apiRoute } from "@/lib/api/handler";
import { deleteRelease, getRelease, updateRelease } from "@/lib/data/releases";
import { releaseUpdate } from "@/lib/validation/release";

const name = (p: Record<string, unknown>) => String(p.name);

export const GET = apiRoute({ role: "viewer" }, ({ actor, params }) => getRelease(actor, name(params)));

export const PUT = apiRoute({ role: "operator", body: releaseUpdate }, async ({ actor, params, body }) => {
  const row = await updateRelease(actor, name(params), body);
  return getRelease(actor, row!.name);
});

export const DELETE = apiRoute({ role: "operator" }, ({ actor, params }) => deleteRelease(actor, name(params)));
