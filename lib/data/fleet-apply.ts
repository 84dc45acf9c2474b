import "server-only";
import { db, type Tx } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { invalid } from "@/lib/errors";
import type { FleetFile } from "@/lib/fleet/schema";
import { bootServerConflicts } from "@/lib/validation/network";
import { recordAudit } from "./audit";
import { authorize } from "./authorize";
import { canonCell, canonNetwork, canonRelease, canonVersion, loadCanonState } from "./fleet-export";
import { hostsInDiscoveryRange, loadContext, rangeHoldsHosts, resolveHosts } from "./host-resolve";
import { auditHosts, hostData, hostSnapshot, insertHosts, replaceTags } from "./host-rows";
import { bmcColumns, unlessStored } from "./bmc-secret";
import { afterHostChange } from "./boot-reporters";
import { activationTime, imagesDirChangeProblem } from "./releases";
import { secureBootViolations } from "./secure-boot";

// `afsboot apply FILE [--prune]`: make the database match the fleet file, all or nothing.
// Never deletes without --prune; an active version's content never changes (add a version).

export interface Change {
  op: "create" | "update" | "delete" | "keep";
  kind: "network" | "cell" | "release" | "version" | "host";
  name: string;
  detail?: string;
}

class DryRun extends Error {}
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const changedKeys = (a: Record<string, unknown>, b: Record<string, unknown>) => Object.keys(b).filter((k) => !same(a[k], b[k])).join(", ");

export async function applyFleet(actor: Actor, fleet: FleetFile, opts: { prune?: boolean; dryRun?: boolean } = {}) {
  authorize(actor, "operator");
  const changes: Change[] = [];
  const problems: { path: string; message: string }[] = [];
  try {
    await afterHostChange(() =>
      db.$transaction(async (tx) => {
        await applyIn(tx, actor, fleet, !!opts.prune, changes, problems);
        if (problems.length) throw invalid(`${problems.length} problem(s); nothing was changed`, problemFields(problems));
        if (opts.dryRun) throw new DryRun();
      }, { timeout: 300_000, maxWait: 10_000 }),
    );
  } catch (e) {
    if (!(e instanceof DryRun)) throw e;
  }
  return changes;
}

/** Field errors by path; several problems at one path (e.g. "releases") are all kept. */
function problemFields(problems: { path: string; message: string }[]) {
  const fields: Record<string, string> = {};
  for (const p of problems) fields[p.path] = fields[p.path] === undefined ? p.message : `${fields[p.path]}; ${p.message}`;
  return fields;
}

async function applyIn(tx: Tx, actor: Actor, fleet: FleetFile, prune: boolean, changes: Change[], problems: { path: string; message: string }[]) {
  const cur = await loadCanonState(tx);
  const audit = (action: string, type: string, name: string, before?: unknown, after?: unknown) => recordAudit(tx, actor, action, { type, name }, before, after);

  // BMC passwords: given again and the same as stored is no change; "stored" needs one stored
  const sealed = {
    networks: new Map((await tx.network.findMany({ select: { name: true, bmcPassword: true } })).map((x) => [x.name, x.bmcPassword])),
    hosts: new Map((await tx.host.findMany({ where: { bmcPassword: { not: null } }, select: { name: true, bmcPassword: true } })).map((x) => [x.name, x.bmcPassword])),
  };
  const fleetNetworks = (fleet.networks ?? []).map((n, i) => {
    const bmc = n.bmc && unlessStored(n.bmc, sealed.networks.get(n.name));
    if (bmc && bmc.password === undefined && !sealed.networks.get(n.name))
      problems.push({ path: `networks[${i}].bmc.password`, message: `network ${n.name}: password: stored, but the console keeps no BMC password for it: give password: { env: NAME }` });
    return { ...n, bmc };
  });
  (fleet.hosts ?? []).forEach((h, i) => {
    if (!h.bmc) return;
    h.bmc = unlessStored(h.bmc, sealed.hosts.get(h.name));
    if (h.bmc.password === undefined && !sealed.hosts.get(h.name))
      problems.push({ path: `hosts[${i}].bmc.password`, message: `host ${h.name}: password: stored, but the console keeps no BMC password for it: give password: { env: NAME }` });
  });
  for (const n of fleetNetworks) {
    const want = canonNetwork({ ...n, notes: n.notes }, !!sealed.networks.get(n.name));
    const have = cur.networks.get(n.name);
    const { bmc: _bmc, ...plain } = want;
    const data = { ...plain, ...(n.bmc ? { ...bmcColumns(n.bmc), bmcInsecure: n.bmc.insecure } : {}) };
    if (!have) {
      await tx.network.create({ data });
      await audit("network.create", "network", n.name, undefined, want);
      changes.push({ op: "create", kind: "network", name: n.name });
    } else if (!same(have, want)) {
      await tx.network.update({ where: { name: n.name }, data: { ...data, revision: { increment: 1 } } });
      await audit("network.update", "network", n.name, have, want);
      changes.push({ op: "update", kind: "network", name: n.name, detail: changedKeys(have, want) });
    }
  }

  // one machine, one export directory: boot servers named alike must be delivered alike, in the
  // networks of the file and in those it leaves as they are
  const networksAfter = new Map(cur.networks);
  for (const n of fleetNetworks) networksAfter.set(n.name, canonNetwork({ ...n, notes: n.notes }, !!sealed.networks.get(n.name)));
  for (const message of bootServerConflicts([...networksAfter.values()])) problems.push({ path: "networks", message });

  for (const c of fleet.cells ?? []) {
    const want = canonCell({
      ...c,
      cacheMemcache: c.cache?.memcache ?? true,
      cacheBlocks: c.cache?.blocks ?? 65536,
      realm: c.kerberos?.realm ?? null,
      kdcs: c.kerberos?.kdcs ?? [],
      notes: c.notes ?? "",
    });
    const have = cur.cells.get(c.name);
    const { servers, kdcs, ...rest } = want;
    const data = { ...rest, kdcs: kdcs.join(",") };
    const serverRows = servers.map((s, position) => ({ ...s, position }));
    if (!have) {
      await tx.cell.create({ data: { ...data, client: data.client as "kafs" | "openafs", servers: { create: serverRows } } });
      await audit("cell.create", "cell", c.name, undefined, want);
      changes.push({ op: "create", kind: "cell", name: c.name });
    } else if (!same(have, want)) {
      const row = await tx.cell.update({ where: { name: c.name }, data: { ...data, client: data.client as "kafs" | "openafs", revision: { increment: 1 } } });
      await tx.cellServer.deleteMany({ where: { cellId: row.id } });
      await tx.cellServer.createMany({ data: serverRows.map((s) => ({ ...s, cellId: row.id })) });
      await audit("cell.update", "cell", c.name, have, want);
      changes.push({ op: "update", kind: "cell", name: c.name, detail: changedKeys(have, want) });
    }
  }

  const toRetire: { release: string; version: string; id: string; path: string }[] = [];
  for (const [ri, r] of (fleet.releases ?? []).entries()) {
    const want = canonRelease(r);
    const have = cur.releases.get(r.name);
    const imagesProblem = imagesDirChangeProblem(want, have);
    if (imagesProblem) problems.push({ path: `releases[${ri}].imagesDir`, message: imagesProblem });
    let releaseId: string;
    if (!have) {
      releaseId = (await tx.release.create({ data: want })).id;
      await audit("release.create", "release", r.name, undefined, want);
      changes.push({ op: "create", kind: "release", name: r.name });
    } else {
      const row = await tx.release.findUniqueOrThrow({ where: { name: r.name } });
      releaseId = row.id;
      const { versions: _versions, ...haveRelease } = have;
      if (!same(haveRelease, want)) {
        await tx.release.update({ where: { id: row.id }, data: { ...want, revision: { increment: 1 } } });
        await audit("release.update", "release", r.name, haveRelease, want);
        changes.push({ op: "update", kind: "release", name: r.name, detail: changedKeys(haveRelease, want) });
      }
    }
    for (const [vi, v] of (r.versions ?? []).entries()) {
      const path = `releases[${ri}].versions[${vi}]`;
      const label = `${r.name}@${v.version}`;
      const wantV = canonVersion(v);
      const haveV = have?.versions.get(v.version);
      const stamp = async (s: string) => (s === "active" ? { activatedAt: await activationTime(tx, releaseId) } : s === "retired" ? { retiredAt: new Date() } : {});
      if (!haveV) {
        await tx.releaseVersion.create({ data: { ...wantV, releaseId, status: v.status, ...(await stamp(v.status)) } });
        await audit("version.create", "release-version", label, undefined, { ...wantV, status: v.status });
        changes.push({ op: "create", kind: "version", name: label, detail: v.status });
        continue;
      }
      const row = await tx.releaseVersion.findFirstOrThrow({ where: { releaseId, version: v.version } });
      const { status: haveStatus, pinned: _pinned, ...haveContent } = haveV;
      if (!same(haveContent, wantV)) {
        if (haveStatus !== "draft") {
          problems.push({ path, message: `${label} is ${haveStatus} and immutable (${changedKeys(haveContent, wantV)} differ): add a new version instead` });
          continue;
        }
        await tx.releaseVersion.update({ where: { id: row.id }, data: { ...wantV, revision: { increment: 1 } } });
        await audit("version.update", "release-version", label, haveContent, wantV);
        changes.push({ op: "update", kind: "version", name: label, detail: changedKeys(haveContent, wantV) });
      }
      if (haveStatus !== v.status) {
        if (haveStatus === "retired" || (haveStatus === "active" && v.status === "draft")) {
          problems.push({ path: `${path}.status`, message: `${label} cannot go from ${haveStatus} back to ${v.status}` });
        } else if (v.status === "retired") toRetire.push({ release: r.name, version: v.version, id: row.id, path: `${path}.status` });
        else {
          await tx.releaseVersion.update({ where: { id: row.id }, data: { status: "active", activatedAt: await activationTime(tx, releaseId) } });
          await audit("version.activate", "release-version", label);
          changes.push({ op: "update", kind: "version", name: label, detail: "activated" });
        }
      }
    }
  }

  // hosts, resolved against the networks, cells and releases as they are now (inside this transaction)
  const fileHosts = fleet.hosts ?? [];
  const ctx = await loadContext(tx);
  const { problems: hostProblems, resolved } = resolveHosts(ctx, fileHosts, fileHosts.map((h) => (cur.hosts.has(h.name) ? h.name : null)));
  // a Secure Boot refusal says "this host": in a file of many, name it
  for (const p of hostProblems) problems.push({ path: `hosts[${p.row}].${p.field}`, message: p.field === "secureBoot" ? `host ${fileHosts[p.row]!.name}: ${p.message}` : p.message });
  if (hostProblems.length === 0) {
    const creates = resolved.filter((r) => !cur.hosts.has(r.input.name));
    if (creates.length) await insertHosts(tx, actor, creates);
    creates.forEach((r) => changes.push({ op: "create", kind: "host", name: r.input.name }));
    const snap = (r: (typeof resolved)[number]) => hostSnapshot(r.input, !!sealed.hosts.get(r.input.name));
    const updates = resolved.filter((r) => cur.hosts.has(r.input.name) && !same(cur.hosts.get(r.input.name), snap(r)));
    const ids = new Map<string, string>();
    for (const r of updates) {
      const row = await tx.host.update({ where: { name: r.input.name }, data: { ...hostData(r), revision: { increment: 1 } }, select: { id: true } });
      ids.set(r.input.name, row.id);
      changes.push({ op: "update", kind: "host", name: r.input.name, detail: changedKeys(cur.hosts.get(r.input.name)!, snap(r)) });
    }
    await replaceTags(tx, updates.map((r) => ({ id: ids.get(r.input.name)!, tags: r.input.tags })));
    await auditHosts(tx, actor, "host.update", updates.map((r) => ({ id: ids.get(r.input.name)!, name: r.input.name, before: cur.hosts.get(r.input.name), after: snap(r) })));
  }

  // removals: only with --prune, hosts first (they hold the references)
  const inFile = {
    hosts: new Set(fileHosts.map((h) => h.name)),
    releases: new Map((fleet.releases ?? []).map((r) => [r.name, new Set((r.versions ?? []).map((v) => v.version))])),
    cells: new Set((fleet.cells ?? []).map((c) => c.name)),
    networks: new Set((fleet.networks ?? []).map((n) => n.name)),
  };
  const remove = async (kind: Change["kind"], name: string, del: () => Promise<unknown>, before?: unknown) => {
    if (!prune) return changes.push({ op: "keep", kind, name, detail: "not in the file; --prune deletes it" });
    await del();
    await audit(`${kind}.delete`, kind === "version" ? "release-version" : kind, name, before);
    changes.push({ op: "delete", kind, name });
  };
  const goneHosts = [...cur.hosts.keys()].filter((n) => !inFile.hosts.has(n));
  if (prune && goneHosts.length) {
    await tx.host.updateMany({ where: { name: { in: goneHosts } }, data: { lastBootId: null } });
  }
  for (const name of goneHosts) await remove("host", name, () => tx.host.delete({ where: { name } }), cur.hosts.get(name));

  // A discovery range must hold no enrolled host's address. The file's own hosts were checked by
  // their new addresses above; this catches the hosts it does not list (kept without --prune).
  for (const [i, n] of (fleet.networks ?? []).entries()) {
    if (n.discoveryRange === null) continue;
    const kept = (await hostsInDiscoveryRange(tx, n.discoveryRange)).filter((h) => !inFile.hosts.has(h.name));
    if (kept.length) problems.push({ path: `networks[${i}].discoveryRange`, message: rangeHoldsHosts(n.discoveryRange, kept) });
  }

  for (const t of toRetire) {
    const pinned = await tx.host.count({ where: { pinnedVersionId: t.id } });
    if (pinned > 0) problems.push({ path: t.path, message: `${t.release}@${t.version} cannot be retired: ${pinned} host(s) pin it` });
    else {
      await tx.releaseVersion.update({ where: { id: t.id }, data: { status: "retired", retiredAt: new Date() } });
      await audit("version.retire", "release-version", `${t.release}@${t.version}`);
      changes.push({ op: "update", kind: "version", name: `${t.release}@${t.version}`, detail: "retired" });
    }
  }
  for (const [rname, r] of cur.releases) {
    const keepVersions = inFile.releases.get(rname);
    for (const [vname, v] of r.versions) {
      if (keepVersions?.has(vname)) continue;
      if (prune && (await tx.host.count({ where: { pinnedVersion: { version: vname, release: { name: rname } } } })) > 0) {
        problems.push({ path: "releases", message: `${rname}@${vname} is not in the file but hosts pin it` });
        continue;
      }
      await remove("version", `${rname}@${vname}`, () => tx.releaseVersion.deleteMany({ where: { version: vname, release: { name: rname } } }), v);
    }
    if (!keepVersions) await removeIfUnused(prune, problems, "release", rname, () => tx.host.count({ where: { release: { name: rname } } }), remove, () => tx.release.delete({ where: { name: rname } }));
  }
  for (const name of cur.cells.keys()) {
    if (!inFile.cells.has(name)) await removeIfUnused(prune, problems, "cell", name, () => tx.host.count({ where: { cell: { name } } }), remove, () => tx.cell.delete({ where: { name } }));
  }
  for (const name of cur.networks.keys()) {
    if (!inFile.networks.has(name)) await removeIfUnused(prune, problems, "network", name, () => tx.host.count({ where: { network: { name } } }), remove, () => tx.network.delete({ where: { name } }));
  }

  // Secure Boot, once everything is written: a network's default, a cell's client, an activated or
  // retired version can change how hosts the file does not list boot (and its own, after a retirement)
  if (problems.length === 0) {
    const row = new Map(fileHosts.map((h, i) => [h.name, i]));
    for (const v of await secureBootViolations(tx)) {
      const i = row.get(v.host);
      problems.push({ path: i === undefined ? "hosts" : `hosts[${i}].secureBoot`, message: `host ${v.host}: ${v.message}` });
    }
  }
}

async function removeIfUnused(
  prune: boolean,
  problems: { path: string; message: string }[],
  kind: Change["kind"],
  name: string,
  users: () => Promise<number>,
  remove: (kind: Change["kind"], name: string, del: () => Promise<unknown>) => Promise<unknown>,
  del: () => Promise<unknown>,
) {
  const count = prune ? await users() : 0;
  if (count > 0) {
    problems.push({ path: `${kind}s`, message: `${kind} ${name} is not in the file but ${count} host(s) still use it` });
    return;
  }
  await remove(kind, name, del);
}

