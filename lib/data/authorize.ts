import "server-only";
import type { Actor } from "@/lib/auth/roles";
import { hasRole } from "@/lib/auth/roles";
import { forbidden } from "@/lib/errors";
import type { RoleName } from "@/lib/validation/common";

/** The one permission check of the data layer: every exported function calls it first. */
export function authorize(actor: Actor, need: RoleName): void {
  if (!hasRole(actor.role, need)) {
    throw forbidden(`This needs the ${need} role; you are signed in as ${actor.role}`);
  }
}

export const PAGE_SIZE = 50;

export function pageArgs(page: number | undefined, size = PAGE_SIZE) {
  const p = Number.isInteger(page) && page! > 0 ? page! : 1;
  return { page: p, skip: (p - 1) * size, take: size };
}

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
