import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { approveTpm, forgetTpm, hostIdentity } from "@/lib/data/identity";
import { hostSecretsView } from "@/lib/data/host-secrets";

// A host's identity (its pinned TPM, one awaiting approval, a mismatch, its last deliveries) and
// the public side of its secrets: fingerprints, principal, kvno and enctypes, never a key.

async function view(actor: Parameters<typeof hostIdentity>[0], name: string) {
  const [identity, secrets] = await Promise.all([hostIdentity(actor, name), hostSecretsView(actor, name)]);
  return { identity, secrets };
}

/** {identity, secrets} (viewer). */
export const GET = apiRoute({ role: "viewer" }, ({ actor, params }) => view(actor, String(params.name)));

const body = z.discriminatedUnion(
  "action",
  [
    z.object({
      action: z.literal("approve"),
      // what the admin compared: a TPM that changed since is not approved (409)
      fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "fingerprint must be the TPM's SHA256:… fingerprint as the host page shows it"),
    }),
    z.object({ action: z.literal("forget") }),
  ],
  { error: "action must be approve (with the fingerprint shown) or forget" },
);

/** {"action": "approve", "fingerprint": "SHA256:…"} pins the TPM awaiting approval; {"action": "forget"} forgets the TPM (admin: a pinned TPM gets the host's secrets). */
export const POST = apiRoute({ role: "admin", body }, async ({ actor, params, body }) => {
  const name = String(params.name);
  if (body.action === "approve") await approveTpm(actor, name, body.fingerprint);
  else await forgetTpm(actor, name);
  return view(actor, name);
});
