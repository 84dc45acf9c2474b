import type { RolloutDetail } from "@/lib/data/rollouts";

// A rollout as GET /api/v1/rollouts/{id} sends it: JSON turns its Dates into ISO strings. The
// server-rendered first paint goes through the same conversion, so the live page sees one shape
// whichever way the data came (as the dashboard's fleet-wire.ts).

/** T with every Date as the ISO string JSON makes of it. */
type Wire<T> = T extends Date ? string : T extends (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

export type RolloutWire = Wire<RolloutDetail>;
export type RolloutHostWire = RolloutWire["waveList"][number]["hosts"][number];

/** What the API would send for this rollout (a JSON round trip, so nothing can drift). */
export function toWire(detail: RolloutDetail): RolloutWire {
  return JSON.parse(JSON.stringify(detail)) as RolloutWire;
}

/** Query keys of rollouts, in one place for invalidation. */
export const rolloutKeys = {
  all: ["rollouts"] as const,
  detail: (id: string) => [...rolloutKeys.all, "detail", id] as const,
};

/** The driver ticks every 2 s: a poll as often shows each step. */
export const ROLLOUT_POLL_MS = 2_000;

export async function fetchRollout(id: string, signal?: AbortSignal): Promise<RolloutWire> {
  const res = await fetch(`/api/v1/rollouts/${encodeURIComponent(id)}`, { cache: "no-store", signal, headers: { accept: "application/json" } });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `the server answered ${res.status}`);
  }
  return (await res.json()) as RolloutWire;
}
