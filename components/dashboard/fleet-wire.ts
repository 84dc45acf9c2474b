import type { FleetStatus } from "@/lib/data/fleet-status";

// The live dashboard's data as GET /api/v1/fleet/status sends it: JSON turns Dates into ISO
// strings and the last histogram bucket's Infinity into null. The server-rendered first paint
// goes through the same conversion, so the client sees one shape whichever way the data came.

type Row<T, K extends keyof T> = Omit<T, K> & { [P in K]: string };

export interface FleetStatusWire {
  generatedAt: string;
  total: number;
  counts: FleetStatus["counts"];
  bootingNow: Row<FleetStatus["bootingNow"][number], "startedAt" | "lastEventAt">[];
  recentFailures: Row<FleetStatus["recentFailures"][number], "at">[];
  durations: (Omit<FleetStatus["durations"][number], "buckets"> & { buckets: { le: number | null; count: number }[] })[];
}

/** What the API would send for this status (a JSON round trip, so nothing can drift). */
export function toWire(status: FleetStatus): FleetStatusWire {
  return JSON.parse(JSON.stringify(status)) as FleetStatusWire;
}

/** Query keys of the live dashboard, in one place for invalidation. */
export const fleetKeys = {
  all: ["fleet"] as const,
  status: () => [...fleetKeys.all, "status"] as const,
};

export const FLEET_POLL_MS = 5_000;

export async function fetchFleetStatus(signal?: AbortSignal): Promise<FleetStatusWire> {
  const res = await fetch("/api/v1/fleet/status", { cache: "no-store", signal, headers: { accept: "application/json" } });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `the server answered ${res.status}`);
  }
  return (await res.json()) as FleetStatusWire;
}
