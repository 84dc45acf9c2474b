import type { FieldErrors } from "@/lib/validation/common";

// Expected failures of the data layer. Server actions turn them into form state, API routes into
// the one JSON error shape; anything else is unexpected and reaches an error boundary.

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldErrors,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const unauthorized = (message = "Sign in first") => new AppError(401, "unauthorized", message);
export const forbidden = (message = "Your role does not allow this") => new AppError(403, "forbidden", message);
export const notFound = (what: string) => new AppError(404, "not_found", `${what} does not exist`);
export const conflict = (message: string, fields?: FieldErrors) => new AppError(409, "conflict", message, fields);
export const invalid = (message: string, fields?: FieldErrors) => new AppError(422, "invalid", message, fields);

interface PrismaKnownError {
  code: string;
  meta?: {
    target?: unknown;
    modelName?: string;
    driverAdapterError?: { cause?: { constraint?: { fields?: string[]; index?: string } } };
  };
}

function isPrismaKnown(e: unknown): e is PrismaKnownError {
  return (
    typeof e === "object" && e !== null && "code" in e && typeof (e as { code: unknown }).code === "string" && /^P\d{4}$/.test((e as { code: string }).code)
  );
}

/** Fields named in a unique-constraint violation, across the SQLite and PostgreSQL adapters. */
function uniqueFields(e: PrismaKnownError): string[] {
  const t = e.meta?.target;
  if (Array.isArray(t)) return t.map(String);
  if (typeof t === "string") return [t];
  const constraint = e.meta?.driverAdapterError?.cause?.constraint;
  if (constraint?.fields) return constraint.fields.map((f) => f.replace(/"/g, ""));
  // PostgreSQL names the index: "Network_name_key", "CellServer_cellId_ip_key"
  const m = constraint?.index && /^[A-Za-z]+_(.+)_key$/.exec(constraint.index);
  return m ? m[1]!.split("_") : [];
}

/** Maps database errors that bad input can cause to AppErrors; rethrows everything else. */
export function fromDbError(e: unknown, labels: Record<string, string> = {}): never {
  if (e instanceof AppError) throw e;
  if (isPrismaKnown(e)) {
    if (e.code === "P2002") {
      const fields = uniqueFields(e);
      const field = fields[fields.length - 1] ?? "";
      const label = labels[field] ?? field ?? "value";
      throw conflict(`That ${label || "value"} is already taken`, field ? { [field]: `This ${label} is already taken` } : undefined);
    }
    if (e.code === "P2025") throw new AppError(404, "not_found", "The record no longer exists");
    if (e.code === "P2003") throw conflict("It is still in use by other records");
  }
  throw e;
}

/** For pages: a missing record becomes Next's 404 page; other failures pass through. */
export async function orNotFound<T>(p: Promise<T>, onMissing: () => never): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof AppError && e.status === 404) onMissing();
    throw e;
  }
}

const UNAVAILABLE_CODES = new Set([
  // the connection: refused, reset, timed out, broken
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  // PostgreSQL: shutting down, starting up, connection failures (SQLSTATE classes 57P, 08)
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  // Prisma: cannot reach the server, timed out, closed the connection
  "P1001",
  "P1002",
  "P1017",
]);

/**
 * Whether an error means the database cannot be reached right now (restarting, network gone),
 * not that the request was wrong: such requests get 503 and may be sent again.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 6; depth++) {
    const o = cur as { code?: unknown; cause?: unknown; message?: unknown; originalCode?: unknown; kind?: unknown };
    for (const code of [o.code, o.originalCode]) if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    if (
      typeof o.message === "string" &&
      /Can't reach database|Connection terminated|connection refused|the database system is (shutting down|starting up)|terminating connection due to administrator command/i.test(
        o.message,
      )
    )
      return true;
    cur = o.cause;
  }
  return false;
}
