import type { NextRequest } from "next/server";
import { clientAddress } from "@/lib/api/client-address";
import { handleActivate, machineRequest, toResponse } from "@/lib/api/identity-door";

// POST /api/v1/identity/activate: a booting host shows its TPM (ek, ak) with mac, bootId and its
// report token, and gets a credential only that TPM can activate (docs/security.md).

export const dynamic = "force-dynamic";

export async function POST(req: NextRequest): Promise<Response> {
  return toResponse(await handleActivate(machineRequest(req, clientAddress(req))));
}
