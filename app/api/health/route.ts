import { NextResponse } from "next/server";
import { databaseReachable } from "@/lib/data/health";

export const dynamic = "force-dynamic";

// For load balancers and systemd watchdogs: 200 when the database answers, 503 otherwise.
export async function GET() {
  const ok = await databaseReachable();
  return NextResponse.json(
    { status: ok ? "ok" : "unavailable", database: ok ? "reachable" : "unreachable" },
    { status: ok ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
