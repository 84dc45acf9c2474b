import type { RoleName } from "@/lib/validation/common";

// admin: everything, including users and API tokens. operator: changes the fleet and publishes.
// viewer: reads. A role includes every role below it.
const RANK: Record<RoleName, number> = { viewer: 1, operator: 2, admin: 3 };

export function hasRole(have: RoleName, need: RoleName): boolean {
  return RANK[have] >= RANK[need];
}

export type ActorType = "user" | "token" | "cli" | "system";

/** Who performs an action: passed to every data-layer function, recorded in the audit log. */
export interface Actor {
  type: ActorType;
  id: string | null;
  name: string;
  role: RoleName;
}

/** The CLI runs on the server with the operator's shell access: it acts as admin. */
export function cliActor(): Actor {
  const name = process.env.SUDO_USER || process.env.USER || process.env.LOGNAME || "cli";
  return { type: "cli", id: null, name: `cli:${name}`, role: "admin" };
}

/**
 * The role a console page needs, by its path. The console layout checks it before anything is
 * streamed, so a page the role may not see answers with an HTTP redirect to /forbidden (or
 * /login), not with a skeleton that reloads itself a second later; each page checks its role
 * again itself (lib/auth/roles.test.ts keeps this table and the pages' own checks equal).
 */
const PAGE_ROLES: ReadonlyArray<readonly [RegExp, RoleName]> = [
  [/^\/settings\/(users|tokens)(\/|$)/, "admin"],
  [/^\/(hosts|networks|cells|releases)\/new$/, "operator"],
  [/^\/hosts\/(import|range)$/, "operator"],
  [/^\/releases\/[^/]+\/versions\/new$/, "operator"],
  [/^\/rollouts\/new$/, "operator"],
];

export function pageRole(pathname: string): RoleName {
  return PAGE_ROLES.find(([re]) => re.test(pathname))?.[1] ?? "viewer";
}
