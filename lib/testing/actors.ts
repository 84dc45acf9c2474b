import type { Actor } from "@/lib/auth/roles";

export const admin: Actor = { type: "user", id: null, name: "test-admin", role: "admin" };
export const operator: Actor = { type: "user", id: null, name: "test-operator", role: "operator" };
export const viewer: Actor = { type: "user", id: null, name: "test-viewer", role: "viewer" };
