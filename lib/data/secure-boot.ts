import "server-only";
import type { Tx } from "@/lib/db";
import { invalid } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { latestActive } from "@/lib/boot/latest-version";
import { secureBootProblem, violationsMessage, type SecureBootViolation } from "@/lib/boot/secure-boot";

// The Secure Boot rule (lib/boot/secure-boot.ts) over hosts as stored. A change of one host is
// checked with its input (host-resolve.ts); a change that moves hosts it does not name (a
// network's default, a cell's AFS client, the version a release hands its followers, a fleet
// file) is checked here, inside its transaction and after its writes, so a refusal rolls it back.

/** The stored hosts matching `where` whose Secure Boot (own, else the network's) their version or cell cannot satisfy, by name. */
export async function secureBootViolations(tx: Tx, where: Prisma.HostWhereInput = {}): Promise<SecureBootViolation[]> {
  const hosts = await tx.host.findMany({
    where: { AND: [where, { OR: [{ secureBoot: true }, { secureBoot: null, network: { secureBoot: true } }] }] },
    select: { name: true, cellId: true, releaseId: true, pinnedVersionId: true },
    orderBy: { name: "asc" },
  });
  if (hosts.length === 0) return [];
  const [cells, releases] = await Promise.all([
    tx.cell.findMany({ where: { id: { in: [...new Set(hosts.map((h) => h.cellId))] } }, select: { id: true, name: true, client: true } }),
    tx.release.findMany({
      where: { id: { in: [...new Set(hosts.map((h) => h.releaseId))] } },
      select: { id: true, name: true, versions: { select: { id: true, version: true, status: true, activatedAt: true, signedKernel: true, signedModules: true } } },
    }),
  ]);
  const cellById = new Map(cells.map((c) => [c.id, c]));
  const releaseById = new Map(releases.map((r) => [r.id, { ...r, latest: latestActive(r.versions) }]));
  return hosts.flatMap((h) => {
    const release = releaseById.get(h.releaseId)!;
    // no version yet (a release without an active one): nothing to boot, nothing to check until one is activated
    const version = h.pinnedVersionId ? release.versions.find((v) => v.id === h.pinnedVersionId) : release.latest;
    const message = version ? secureBootProblem({ ...version, release: release.name }, cellById.get(h.cellId)!) : null;
    return message ? [{ host: h.name, message }] : [];
  });
}

/**
 * Refuses (422) the change under way when it left hosts matching `where` unable to Secure Boot:
 * `lead` says what the change would do to how many hosts, the message names them; `field`: the
 * form field the refusal belongs to.
 */
export async function assertSecureBoot(tx: Tx, where: Prisma.HostWhereInput, lead: (hosts: number) => string, field?: string): Promise<void> {
  const violations = await secureBootViolations(tx, where);
  if (violations.length === 0) return;
  const message = violationsMessage(lead(violations.length), violations);
  throw invalid(message, field ? { [field]: message } : undefined);
}

/** "1 host" / "3 hosts". */
