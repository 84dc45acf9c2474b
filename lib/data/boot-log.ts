import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { effectiveState, type BootState, type Stage } from "@/lib/boot/stages";
import { env } from "@/lib/env";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { BootLogQuery } from "@/lib/validation/boot-log";
import { authorize } from "./authorize";
import { bootStateWhere } from "./hosts";

// The fleet's boot log: every boot of every host, newest first, filtered by state, the stage it
// reached, release or version, network, host and time. Paged like the hosts table; the order is
// the (startedAt, id) index, so a page costs the same at 130,000 boots as at 100.

export interface BootLogRow {
  bootId: string;
  host: string;
  network: string;
  state: BootState;
  currentStage: Stage;
  failedStage: Stage | null;
  message: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  releaseVersion: string | null;
  clientIp: string | null;
}

async function bootLogWhere(query: BootLogQuery, now: Date): Promise<Prisma.BootWhereInput> {
  const and: Prisma.BootWhereInput[] = [];
  if (query.state) and.push(bootStateWhere(query.state, now));
  if (query.stage) and.push({ currentStage: query.stage });
  if (query.version) and.push({ releaseVersion: query.version });
  else if (query.release) {
    // the exact labels of the release's versions: a prefix LIKE would read '_' in names as a wildcard
    const versions = await db.releaseVersion.findMany({ where: { release: { name: query.release } }, select: { version: true } });
    and.push({ releaseVersion: { in: versions.map((v) => `${query.release}@${v.version}`) } });
  }
  if (query.network) and.push({ host: { network: { name: query.network } } });
  if (query.host) {
    // the few matching hosts first, then their boots by the (hostId, startedAt) index: a join
    // would walk every boot in time order and test its host
    const hosts = await db.host.findMany({ where: { name: { startsWith: query.host } }, select: { id: true } });
    and.push({ hostId: { in: hosts.map((h) => h.id) } });
  }
  if (query.from) and.push({ startedAt: { gte: query.from } });
  if (query.to) and.push({ startedAt: { lt: query.to } });
  return and.length ? { AND: and } : {};
}

export async function listBoots(actor: Actor, query: BootLogQuery) {
  authorize(actor, "viewer");
  const pageSize = query.pageSize ?? 50;
  const page = query.page ?? 1;
  const now = new Date();
  const where = await bootLogWhere(query, now);
  const [rows, total] = await db.$transaction([
    db.boot.findMany({
      where,
      orderBy: [{ startedAt: "desc" }, { id: "desc" }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      select: {
        bootId: true,
        state: true,
        currentStage: true,
        failedStage: true,
        message: true,
        startedAt: true,
        finishedAt: true,
        lastEventAt: true,
        releaseVersion: true,
        clientIp: true,
        host: { select: { name: true, network: { select: { name: true } } } },
      },
    }),
    db.boot.count({ where }),
  ]);
  const limits = env().AFSBOOT_STALL_SECONDS;
  const items: BootLogRow[] = rows.map((b) => ({
    bootId: b.bootId,
    host: b.host.name,
    network: b.host.network.name,
    state: effectiveState(b, now, limits),
    currentStage: b.currentStage as Stage,
    failedStage: b.failedStage as Stage | null,
    message: b.message,
    startedAt: b.startedAt,
    finishedAt: b.finishedAt,
    durationMs: b.finishedAt ? b.finishedAt.getTime() - b.startedAt.getTime() : null,
    releaseVersion: b.releaseVersion,
    clientIp: b.clientIp,
  }));
  return { items, total, page, pageSize };
}

/** What the filters offer: networks, and releases with their versions (names only). */
export async function bootLogChoices(actor: Actor) {
  authorize(actor, "viewer");
  const [networks, releases] = await db.$transaction([
    db.network.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
    db.release.findMany({ select: { name: true, versions: { select: { version: true }, orderBy: { createdAt: "asc" } } }, orderBy: { name: "asc" } }),
  ]);
  return { networks: networks.map((n) => n.name), releases: releases.map((r) => ({ name: r.name, versions: r.versions.map((v) => v.version) })) };
}
