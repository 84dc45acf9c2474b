import "server-only";
import fs from "node:fs";
import path from "node:path";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { invalid } from "@/lib/errors";
import { generateAll } from "@/lib/generate/all";
import { fsyncDir, removeFile, sha256, writeFileAtomic } from "@/lib/publish/atomic";
import { validateDhcp, type ValidatorResult } from "@/lib/publish/validate";
import { recordAudit } from "./audit";
import { authorize } from "./authorize";
import { insertMany, newId } from "./bulk-insert";
import { imagesDir, loadSnapshot } from "./snapshot";

// One publish pipeline (CLI now; UI and API next): snapshot → generate everything → compare with
// the last publication into the same directory → validate the DHCP configs with the real daemons
// (any failure: nothing is written) → write only what changed, atomically → remove what is gone →
// record the Publication and its files.

export interface PublishResult {
  publicationId: string;
  status: "succeeded" | "dry_run";
  changes: { path: string; change: "added" | "changed" | "removed" }[];
  unchanged: number;
  validation: ValidatorResult[];
  skipped: { host: string; reason: string }[];
  /** milliseconds per stage: snapshot, generate, compare, validate, write, record */
  timings: Record<string, number>;
}

export async function publish(actor: Actor, opts: { outDir: string; dryRun?: boolean; busyboxPath?: string }): Promise<PublishResult> {
  authorize(actor, "operator");
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    timings[stage] = Math.round(now - t);
    t = now;
  };
  const outDir = path.resolve(opts.outDir);
  const busyboxPath = opts.busyboxPath ?? process.env.AFSBOOT_BUSYBOX ?? "/bin/busybox";
  let busybox: Buffer;
  try {
    busybox = fs.readFileSync(busyboxPath);
  } catch {
    throw invalid(`cannot read the static busybox at ${busyboxPath} (apt-get install busybox-static, or set AFSBOOT_BUSYBOX)`);
  }
  const { snapshot, skipped } = await loadSnapshot(actor, { images: "read" });
  lap("snapshot");
  const { files, images, overlays } = generateAll(snapshot, { busybox, exportDir: outDir });

  // kernels and base initrds: copied from the release's images directory, content-addressed
  const releases = new Map((await db.release.findMany({ select: { name: true, tree: true, imagesDir: true } })).map((r) => [r.name, r]));
  const imageFiles = [...new Map(images.map((i) => [i.path, i])).values()].map((i) => ({
    path: i.path,
    kind: "image",
    sha256: i.sha256,
    source: path.join(imagesDir(releases.get(i.release)!), i.name),
  }));

  lap("generate");
  const current = [
    ...files.map((f) => ({ path: f.path, kind: f.kind as string, sha256: sha256(f.bytes), bytes: f.bytes as Buffer | null, source: null as string | null })),
    ...imageFiles.map((i) => ({ ...i, bytes: null as Buffer | null })),
  ];
  const last = await db.publication.findFirst({ where: { outDir, status: "succeeded" }, orderBy: { startedAt: "desc" }, include: { files: { where: { change: { not: "removed" } }, select: { path: true, sha256: true } } } });
  const before = new Map((last?.files ?? []).map((f) => [f.path, f.sha256]));
  const now = new Set(current.map((f) => f.path));
  const changes: PublishResult["changes"] = [];
  for (const f of current) {
    const old = before.get(f.path);
    // a file missing on disk (deleted by hand, new directory) is written again
    if (old === undefined) changes.push({ path: f.path, change: "added" });
    else if (old !== f.sha256 || !fs.existsSync(path.join(outDir, f.path))) changes.push({ path: f.path, change: "changed" });
  }
  for (const p of before.keys()) if (!now.has(p)) changes.push({ path: p, change: "removed" });

  lap("compare");
  const validation = validateDhcp(files, outDir);
  lap("validate");
  const failed = validation.filter((v) => v.status === "failed");
  const record = async (status: "succeeded" | "failed" | "dry_run", error?: string) =>
    db.$transaction(async (tx) => {
      const id = newId("p");
      await tx.publication.create({
        data: { id, status, actorType: actor.type, actorName: actor.name, outDir, validation: validation as object[], error: error ?? null, filesChanged: changes.length, finishedAt: new Date() },
      });
      const change = new Map(changes.map((c) => [c.path, c.change]));
      await insertMany(tx, "PublicationFile", [
        ...current.map((f) => ({ id: newId("f"), publicationId: id, path: f.path, kind: f.kind, sha256: f.sha256, size: f.bytes?.length ?? 0, change: change.get(f.path) ?? "unchanged", diff: null })),
        ...changes.filter((c) => c.change === "removed").map((c) => ({ id: newId("f"), publicationId: id, path: c.path, kind: "removed", sha256: before.get(c.path)!, size: 0, change: "removed", diff: null })),
      ]);
      await recordAudit(tx, actor, status === "succeeded" ? "publish" : `publish.${status}`, { type: "publication", id, name: outDir }, undefined, { changed: changes.length, failed: failed.map((f) => f.file) });
      return id;
    });
  if (failed.length) {
    await record("failed", failed.map((f) => `${f.validator} rejected ${f.file}: ${f.output}`).join("\n"));
    throw invalid(`Nothing was published: ${failed.map((f) => `${f.validator} rejected ${f.file}`).join("; ")}`, Object.fromEntries(failed.map((f) => [f.file, f.output])));
  }
  if (opts.dryRun) {
    const publicationId = await record("dry_run");
    lap("record");
    return { publicationId, status: "dry_run", changes, unchanged: current.length - changes.filter((c) => c.change !== "removed").length, validation, skipped, timings };
  }
  fs.mkdirSync(outDir, { recursive: true });
  const byPath = new Map(current.map((f) => [f.path, f]));
  const touched = new Set<string>();
  for (const c of changes) {
    if (c.change === "removed") continue;
    const f = byPath.get(c.path)!;
    const bytes = f.bytes ?? fs.readFileSync(f.source!);
    if (!f.bytes && sha256(bytes) !== f.sha256) throw invalid(`${f.source} changed while publishing: publish again`);
    writeFileAtomic(outDir, c.path, bytes, { syncDir: false });
    touched.add(path.dirname(path.join(outDir, c.path)));
  }
  for (const d of touched) fsyncDir(d); // the renames above are durable from here on
  for (const c of changes) if (c.change === "removed") removeFile(outDir, c.path);
  lap("write");
  const id = await record("succeeded");
  // what each host is now assigned: its overlay's sha256 (reports are compared with it)
  const groups = new Map<string, string[]>();
  for (const h of snapshot.hosts) {
    const sha = overlays.get(`${h.release}@${h.version}/${h.cell}`)!;
    groups.set(sha, [...(groups.get(sha) ?? []), h.name]);
  }
  for (const [sha, names] of groups) {
    for (let i = 0; i < names.length; i += 500) await db.host.updateMany({ where: { name: { in: names.slice(i, i + 500) } }, data: { assignedInitrdSha256: sha, assignedAt: new Date() } });
  }
  lap("record");
  return { publicationId: id, status: "succeeded", changes, unchanged: current.length - changes.filter((c) => c.change !== "removed").length, validation, skipped, timings };
}
