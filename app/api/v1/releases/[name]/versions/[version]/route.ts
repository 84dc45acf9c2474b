import { apiRoute } from "@/lib/api/handler";
import { deleteVersion, getRelease, updateVersion } from "@/lib/data/releases";
import { notFound } from "@/lib/errors";
import { versionUpdate } from "@/lib/validation/release";

const ids = (p: Record<string, unknown>) => [String(p.name), String(p.version)] as const;

export const GET = apiRoute({ role: "viewer" }, async ({ actor, params }) => {
  const [name, version] = ids(params);
  const v = (await getRelease(actor, name)).versions.find((x) => x.version === version);
  if (!v) throw notFound(`Version ${name}@${version}`);
  return v;
});

/** Edits a draft; active and retired versions answer 409 (immutable). */
export const PUT = apiRoute({ role: "operator", body: versionUpdate }, ({ actor, params, body }) => updateVersion(actor, ...ids(params), body));

export const DELETE = apiRoute({ role: "operator" }, ({ actor, params }) => deleteVersion(actor, ...ids(params)));
