import "server-only";
import { NETWORK_BMC_SELECT } from "./bmc-secret";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { authorize } from "./authorize";
import { latestActive } from "@/lib/boot/latest-version";

// Small reads for the host pages: every choice a host form or a host filter offers (the list
// functions of networks, cells and releases are paginated; selects need all of them).

export async function hostChoices(actor: Actor) {
  authorize(actor, "viewer");
  const [networks, cells, releases, tags] = await db.$transaction([
    db.network.findMany({
      select: { name: true, subnet: true, secureBoot: true, identity: true, ...NETWORK_BMC_SELECT },
      orderBy: { name: "asc" },
    }),
    db.cell.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
    db.release.findMany({
      select: { name: true, versions: { select: { version: true, status: true, activatedAt: true }, orderBy: { createdAt: "asc" } } },
      orderBy: { name: "asc" },
    }),
    db.hostTag.findMany({ distinct: ["tag"], select: { tag: true }, orderBy: { tag: "asc" } }),
  ]);
  return {
    // the host form shows each network's BMC defaults (what a host inherits): never the password, only whether one is set
    networks: networks.map(({ bmcDriver, bmcUser, bmcPassword, bmcInsecure, bmcCommand, ...n }) => ({
      ...n,
      bmc: { driver: bmcDriver, user: bmcUser, passwordSet: bmcPassword !== null, insecure: bmcInsecure, command: bmcCommand },
    })),
    cells: cells.map((c) => c.name),
    releases: releases.map((r) => ({
      name: r.name,
      latest: latestActive(r.versions)?.version ?? null,
      active: r.versions.filter((v) => v.status === "active").map((v) => v.version),
    })),
    tags: tags.map((t) => t.tag),
  };
}
export type HostChoices = Awaited<ReturnType<typeof hostChoices>>;
