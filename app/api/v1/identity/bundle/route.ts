import type { NextRequest } from "next/server";
import { clientAddress } from "@/lib/api/client-address";
import { clientPort, handleBundle, machineRequest, toResponse } from "@/lib/api/identity-door";

// POST /api/v1/identity/bundle: a booting host's secrets, once per boot: encrypted under the key
// its TPM unwrapped (activation + proof), or in the weaker source-port mode (docs/security.md).

export const dynamic = "force-dynamic";

export async function POST(req: NextRequest): Promise<Response> {
  return toResponse(await handleBundle(machineRequest(req, clientAddress(req)), clientPort(req)));
}
