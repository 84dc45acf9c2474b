import type { PowerOutcome } from "@/lib/data/power";
import type { PowerAction } from "@/lib/power/types";

// Power control as the browser asks for it: GET/POST /api/v1/hosts/{name}/power and POST
// /api/v1/hosts/bulk/power, the same wire the API's machine clients use. A BMC's fault is an
// answer (ok: false, its message); only a refusal (role, unknown host, bad input) is an error.

export type PowerOutcomeWire = PowerOutcome;

export interface BulkPowerWire {
  action: PowerAction;
  ok: number;
  failed: number;
  results: PowerOutcomeWire[];
}

/** Query keys of power states, in one place for invalidation. */
export const powerKeys = {
  all: ["power"] as const,
  host: (name: string) => [...powerKeys.all, "host", name] as const,
};

async function call<T>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, {
    cache: "no-store",
    ...init,
    headers: { accept: "application/json", ...(init.body ? { "content-type": "application/json" } : {}) },
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `the server answered ${res.status}`);
  }
  return (await res.json()) as T;
}

const hostUrl = (name: string) => `/api/v1/hosts/${encodeURIComponent(name)}/power`;

export const fetchHostPower = (name: string, signal?: AbortSignal) => call<PowerOutcomeWire>(hostUrl(name), { signal });

export const postHostPower = (name: string, action: PowerAction) => call<PowerOutcomeWire>(hostUrl(name), { method: "POST", body: JSON.stringify({ action }) });

export const postBulkPower = (action: PowerAction, hosts: string[]) =>
  call<BulkPowerWire>("/api/v1/hosts/bulk/power", { method: "POST", body: JSON.stringify({ action, hosts }) });
