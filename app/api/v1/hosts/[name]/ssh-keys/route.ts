import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { rotateSshKeys } from "@/lib/data/host-secrets";

const body = z.object({ action: z.literal("rotate", { error: 'action must be "rotate"' }) });

/** {"action": "rotate"}: new SSH host keys (the old ones stop at the next boot); their public halves and fingerprints (operator). */
export const POST = apiRoute({ role: "operator", body }, async ({ actor, params }) => ({ ssh: await rotateSshKeys(actor, String(params.name)) }));
