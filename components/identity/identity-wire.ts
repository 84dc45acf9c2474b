import type { hostIdentity } from "@/lib/data/identity";
import type { hostSecretsView } from "@/lib/data/host-secrets";

// A host's identity and secrets as the browser asks for them: GET/POST
// /api/v1/hosts/{name}/identity, POST …/ssh-keys, PUT/POST/DELETE …/keytab, the same wire the
// API's machine clients use. Only public parts travel: fingerprints, principal, kvno, enctypes.

/** A value after JSON: dates become ISO strings. */
type Wire<T> = T extends Date ? string : T extends (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

export interface IdentityWire {
  identity: Wire<Awaited<ReturnType<typeof hostIdentity>>>;
  secrets: Wire<Awaited<ReturnType<typeof hostSecretsView>>>;
}
export type KeytabWire = NonNullable<IdentityWire["secrets"]["keytab"]>;

/** Query keys of hosts' identities, in one place for invalidation. */
export const identityKeys = {
  all: ["identity"] as const,
  host: (name: string) => [...identityKeys.all, "host", name] as const,
};

/** A refusal as the API words it, with the field it concerns (e.g. keytab). */
export class ApiRefusal extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fields: Record<string, string>,
  ) {
    super(message);
  }
}

async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, { cache: "no-store", ...init, headers: { accept: "application/json", ...init.headers } });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string; fields?: { path: string; message: string }[] } } | null;
    const fields = Object.fromEntries((body?.error?.fields ?? []).map((f) => [f.path, f.message]));
    throw new ApiRefusal(body?.error?.message ?? `the server answered ${res.status}`, res.status, fields);
  }
  return res.status === 204 ? (undefined as T) : ((await res.json()) as T);
}

const url = (name: string, what: "identity" | "ssh-keys" | "keytab") => `/api/v1/hosts/${encodeURIComponent(name)}/${what}`;
const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });

export const fetchIdentity = (name: string, signal?: AbortSignal) => call<IdentityWire>(url(name, "identity"), { signal });
export const approveTpm = (name: string, fingerprint: string) => call<IdentityWire>(url(name, "identity"), json("POST", { action: "approve", fingerprint }));
export const forgetTpm = (name: string) => call<IdentityWire>(url(name, "identity"), json("POST", { action: "forget" }));
export const rotateSshKeys = (name: string) => call<{ ssh: IdentityWire["secrets"]["ssh"] }>(url(name, "ssh-keys"), json("POST", { action: "rotate" }));
export const uploadKeytab = (name: string, file: Blob) =>
  call<KeytabWire>(url(name, "keytab"), { method: "PUT", body: file, headers: { "content-type": "application/octet-stream" } });
export const kadminKeytab = (name: string) => call<KeytabWire>(url(name, "keytab"), json("POST", { action: "kadmin" }));
export const removeKeytab = (name: string) => call<undefined>(url(name, "keytab"), { method: "DELETE" });
