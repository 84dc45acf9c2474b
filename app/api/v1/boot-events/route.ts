import { NextResponse, type NextRequest } from "next/server";
import { handleBootReport } from "@/lib/api/boot-report";
import { clientAddress } from "@/lib/api/client-address";

// POST /api/v1/boot-events: the report API through Next.js (next dev, plain next start). The
// console server (bin/afsboot-server.mjs) answers the same path with the same handler before the
// Next.js pipeline; see lib/api/boot-report.ts for the rules.

export const dynamic = "force-dynamic";

export async function POST(req: NextRequest): Promise<Response> {
  const body = req.body;
  const res = await handleBootReport({
    contentType: req.headers.get("content-type") ?? "",
    contentLength: req.headers.get("content-length"),
    authorization: req.headers.get("authorization"),
    from: clientAddress(req),
    body: body as unknown as AsyncIterable<Uint8Array> | null,
    cancel: () => void body?.cancel().catch(() => {}),
  });
  return NextResponse.json(res.body, { status: res.status, headers: res.headers });
}
