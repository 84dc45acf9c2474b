import "server-only";
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";

// List searches are literal: "_" finds names with an underscore, "%" a percent sign. Prisma's
// `contains` and `startsWith` put the text into LIKE unescaped, where both are wildcards ("_"
// matched every host), and Prisma offers no ESCAPE. A search without them stays a Prisma filter;
// one with them first finds the matching ids with an escaped LIKE (the lists it serves are small:
// networks, cells, releases).

const WILDCARD = /[%_\\]/;

export const hasLikeWildcard = (q: string) => WILDCARD.test(q);

const escapeLike = (q: string) => q.replace(/[\\%_]/g, (c) => `\\${c}`);

/** SQL: `column` contains (or starts with) `q` literally, as an escaped LIKE (both databases). */
export function literalLike({ column, mode }: LiteralColumn, q: string): Prisma.Sql {
  const esc = escapeLike(q);
  return Prisma.sql`${Prisma.raw(column)} LIKE ${mode === "contains" ? `%${esc}%` : `${esc}%`} ESCAPE ${"\\"}`;
}

export interface LiteralColumn {
  /** quoted SQL identifier of the column, e.g. `"name"` */
  column: string;
  mode: "contains" | "startsWith";
}

/**
 * Ids (`idColumn`) of the rows of `table` where any of `columns` contains (or starts with) `q`
 * literally, as Prisma's `contains`/`startsWith` would match it without wildcards.
 */
export async function literalMatchIds(table: string, idColumn: string, columns: LiteralColumn[], q: string): Promise<string[]> {
  const conds = columns.map((c) => literalLike(c, q));
  const rows = await db.$queryRaw<{ id: string }[]>`SELECT ${Prisma.raw(idColumn)} AS "id" FROM ${Prisma.raw(table)} WHERE ${Prisma.join(conds, " OR ")}`;
  return [...new Set(rows.map((r) => r.id))];
}
