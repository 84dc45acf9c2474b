import "server-only";
import fs from "node:fs";
import path from "node:path";
import { db } from "@/lib/db";
import { hasRole, type Actor } from "@/lib/auth/roles";
import { exportDir } from "@/lib/env";
import { notFound } from "@/lib/errors";
import { dhcpdEntryPublished, hostDhcpEntries } from "@/lib/generate/dhcp";
import { generateOverlay } from "@/lib/generate/initrd/overlay";
import { hostPxeFiles, kernelCmdline } from "@/lib/generate/pxe";
import { LAYOUT } from "@/lib/generate/snapshot";
import { readBusybox } from "@/lib/publish/busybox";
import { sha256 } from "@/lib/publish/atomic";
import { authorize } from "./authorize";
import { generating } from "./publish";
import { loadSnapshot, snapCell, snapVersion } from "./snapshot";

// A host's boot files as the next publish would write them, from the same generators, beside
// what the export directory holds now: the host page's "Boot files" tab and its downloads. Also
// a release version's overlay initrd for a cell, for download.

export type BootFileKey = "grub" | "pxelinux" | "ipxe" | "dhcpd" | "kea" | "dnsmasq";

/** A host's own boot configs, compared with the published file by hash. */
const PER_HOST_KEYS = new Set<BootFileKey>(["grub", "ipxe", "pxelinux"]);

export interface BootFile {
  key: BootFileKey;
  title: string;
  /** the published file it is (part of), relative to the export directory */
  path: string;
  /** download name */
  filename: string;
  content: string;
  /** "current": the export directory has exactly this; "pending": it has something else; "missing": not published */
  state: "current" | "pending" | "missing";
}

export async function hostBootFiles(actor: Actor, name: string) {
  authorize(actor, "viewer");
  const row = await db.host.findUnique({ where: { name }, select: { network: { select: { name: true } }, assignedInitrdSha256: true, assignedAt: true } });
  if (!row) throw notFound(`no host named ${name}`);
  const { snapshot, skipped } = await loadSnapshot(actor, { images: "read", networks: [row.network.name], imagesFor: [name] });
  const host = snapshot.hosts.find((h) => h.name === name);
  if (!host) return { ready: false as const, reason: skipped.find((s) => s.host === name)?.reason ?? "not in the snapshot" };
  const version = snapshot.versions.find((v) => v.release === host.release && v.version === host.version)!;
  const cell = snapshot.cells.find((c) => c.name === host.cell)!;
  const overlay = generating(() => generateOverlay(version, cell, { busybox: readBusybox() }));
  const overlays = new Map([[`${host.release}@${host.version}/${host.cell}`, overlay.sha256]]);
  const pxe = generating(() => hostPxeFiles(snapshot, name, overlays));
  const dhcp = generating(() => hostDhcpEntries(snapshot, name));
  const net = host.network;
  /** One of the host's own configs, if hostPxeFiles made it. */
  const own = (key: "grub" | "ipxe" | "pxelinux", title: string, file: string): Omit<BootFile, "state">[] => {
    const content = pxe.find((f) => f.path === file)?.content;
    return content === undefined ? [] : [{ key, title, path: file, filename: file.split("/").pop()!, content }];
  };
  const files: Omit<BootFile, "state">[] = [
    // only a host with Secure Boot has one: its firmware loads shim, then GRUB with this file
    ...own("grub", "GRUB config (UEFI Secure Boot)", LAYOUT.grub(host.mac)),
    ...own("ipxe", "iPXE script", LAYOUT.ipxe(host.mac)),
    ...own("pxelinux", "pxelinux config", LAYOUT.pxelinux(host.mac)),
    { key: "dhcpd", title: "ISC dhcpd host entry", path: LAYOUT.dhcpd(net), filename: `${name}-dhcpd.conf`, content: dhcp.dhcpd },
    { key: "kea", title: "Kea reservation", path: LAYOUT.kea(net), filename: `${name}-kea.json`, content: dhcp.kea },
    { key: "dnsmasq", title: "dnsmasq hosts-file line", path: LAYOUT.dnsmasqHosts(net), filename: `${name}-dnsmasq.hosts`, content: dhcp.dnsmasq },
  ];
  const overlayPath = LAYOUT.overlay(version.release, version.version, cell.name, overlay.sha256);
  const published = new Map(
    (await db.exportFile.findMany({ where: { outDir: exportDir(), path: { in: [...files.map((f) => f.path), overlayPath] } }, select: { path: true, sha256: true } })).map((f) => [f.path, f.sha256]),
  );
  // per-host files compare by hash; a DHCP entry is current when the published file contains it
  const state = (f: Omit<BootFile, "state">): BootFile["state"] => {
    const sha = published.get(f.path);
    if (!sha) return "missing";
    if (PER_HOST_KEYS.has(f.key)) return sha === sha256(Buffer.from(f.content)) ? "current" : "pending";
    const text = readPublished(exportDir(), f.path);
    if (text === null) return "missing";
    // (dhcpd: the host's declaration in a group with its boot statements)
    if (f.key === "dhcpd") return dhcpdEntryPublished(text, f.content) ? "current" : "pending";
    const needle = f.key === "kea" ? JSON.stringify(JSON.parse(f.content)) : f.content.trim();
    const haystack = f.key === "kea" ? JSON.stringify(JSON.parse(text)) : text;
    return haystack.includes(needle) ? "current" : "pending";
  };
  // the report token is for operators and admins (reportTokens needs admin); viewers see it hidden
  const hide = !hasRole(actor.role, "operator");
  const redact = (text: string) => (hide ? text.split(host.reportToken).join("<hidden>") : text);
  return {
    ready: true as const,
    label: `${version.release}@${version.version}`,
    cell: cell.name,
    network: net,
    tokenHidden: hide,
    cmdline: redact(generating(() => kernelCmdline(snapshot, host, overlay.sha256))),
    files: files.map((f) => ({ ...f, state: state(f), content: redact(f.content) })),
    overlay: {
      path: overlayPath,
      sha256: overlay.sha256,
      size: overlay.bytes.length,
      state: published.has(overlayPath) ? ("current" as const) : ("missing" as const),
      assigned: row.assignedInitrdSha256,
      assignedAt: row.assignedAt,
    },
    kernel: { path: LAYOUT.image(version.kernel), sha256: version.kernel.sha256, size: version.kernel.size },
    baseInitrd: { path: LAYOUT.image(version.baseInitrd), sha256: version.baseInitrd.sha256, size: version.baseInitrd.size },
  };
}

/** The overlay initrd of a release version for a cell: gzip'd newc cpio, as publish writes it. */
export async function versionOverlay(actor: Actor, release: string, version: string, cellName: string) {
  authorize(actor, "viewer");
  const r = await db.release.findUnique({ where: { name: release }, include: { versions: { where: { version } } } });
  if (!r) throw notFound(`no release named ${release}`);
  const v = r.versions[0];
  if (!v) throw notFound(`release ${release} has no version ${version}`);
  const c = await db.cell.findUnique({ where: { name: cellName }, include: { servers: { orderBy: { position: "asc" } } } });
  if (!c) throw notFound(`no cell named ${cellName}`);
  // the overlay names neither kernel nor base initrd: their hashes are not needed here
  const none = (name: string) => ({ name, sha256: "", size: 0 });
  const built = generating(() => generateOverlay(snapVersion(r, v, none(v.kernel), none(v.baseInitrd)), snapCell(c), { busybox: readBusybox() }));
  return { ...built, filename: LAYOUT.overlay(r.name, v.version, c.name, built.sha256).split("/").pop()! };
}

function readPublished(root: string, rel: string): string | null {
  try {
    return fs.readFileSync(path.join(root, rel), "utf8");
  } catch {
    return null;
  }
}
