import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@/lib/db";
import { operator, viewer } from "@/lib/testing/actors";
import { hostIn, seedPublishable } from "@/lib/testing/fleet-fixtures";
import { networkForm } from "@/lib/testing/fixtures";
import { networkInput } from "@/lib/validation/network";
import { bootServerStates, publicationDeliveries } from "./deliveries";
import { enrollHosts } from "./host-bulk";
import { getHost, updateHost } from "./hosts";
import { getNetwork, updateNetwork } from "./networks";
import { publish } from "./publish";

// Delivery of publications to boot servers' own copies with the real rsync: local targets (a
// boot server's directory on this machine), a target whose directory cannot be made, and an
// unreachable SSH target (real ssh to a closed port).

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-deliver-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const out = path.join(root, "export");
const boot1 = path.join(root, "boot1");
const blocker = path.join(root, "blocker");
const boot2 = path.join(blocker, "boot2");
const rsyncMissing = !fs.existsSync("/usr/bin/rsync");

const files = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.relative(dir, path.join(d.parentPath, d.name))).sort() : [];

async function setServers(servers: { name: string; address: string; deliverTo?: string }[]) {
  const n = await getNetwork(viewer, "lab");
  await updateNetwork(operator, "lab", { ...networkInput.parse(networkForm({ name: "lab", bootServer: undefined, bootServers: servers })), revision: n.revision });
}

beforeAll(async () => {
  await seedPublishable(root);
  process.env.AFSBOOT_DELIVERY_TIMEOUT = "10";
  await enrollHosts(operator, [hostIn(1), hostIn(2)]);
  fs.writeFileSync(blocker, "a file where boot2's parent directory should be");
  await setServers([
    { name: "boot1", address: "10.0.0.2", deliverTo: boot1 },
    { name: "boot2", address: "10.0.0.3", deliverTo: boot2 },
  ]);
});
afterAll(() => {
  delete process.env.AFSBOOT_DELIVERY_TIMEOUT;
  delete process.env.AFSBOOT_RSYNC_RSH;
});

describe.skipIf(rsyncMissing)("delivery to boot servers (rsync)", () => {
  let first = "";

  it("a failed server never blocks the other: boot1 gets the whole tree as its current snapshot, boot2 fails with rsync's message", async () => {
    const r = await publish(operator, { outDir: out });
    expect(r.status).toBe("succeeded");
    first = r.publicationId!;
    const byServer = Object.fromEntries(r.deliveries!.map((d) => [d.server, d]));
    expect(byServer.boot1).toMatchObject({ status: "delivered", message: null });
    expect(byServer.boot2!.status).toBe("failed");
    expect(byServer.boot2!.message).toMatch(/rsync exited \d+/);
    expect(byServer.boot2!.message).toMatch(/Not a directory|cannot|failed/i);
    // boot1: current -> snapshots/<publication>, the same files as the export (lock and temps left out)
    expect(fs.readlinkSync(path.join(boot1, "current"))).toBe(`snapshots/${first}`);
    expect(files(path.join(boot1, "current"))).toEqual(files(out).filter((f) => f !== ".afsboot-publish.lock"));
    for (const f of files(out)) expect(fs.readFileSync(path.join(boot1, "current", f)).equals(fs.readFileSync(path.join(out, f))), f).toBe(true);
    // each server's own DHCP configs name its copy
    expect(fs.readFileSync(path.join(boot1, "current/dhcp/boot1/dnsmasq-lab.conf"), "utf8")).toContain(`dhcp-hostsfile=${boot1}/current/dhcp/dnsmasq-lab.hosts`);
    expect(fs.existsSync(path.join(boot1, "current/dhcp/boot2/kea-dhcp4.json"))).toBe(true);
    // recorded and audited
    expect((await publicationDeliveries(viewer, first)).map((d) => `${d.server} ${d.status}`)).toEqual(["boot1 delivered", "boot2 failed"]);
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "publish.delivery_failed", targetId: first } });
    expect(JSON.stringify(audit.after)).toContain("boot2");
    const states = Object.fromEntries((await bootServerStates(viewer)).map((s) => [s.server, s]));
    expect(states.boot1).toMatchObject({ behind: 0, hasCopy: true, last: { status: "delivered" } });
    // boot2 never had a copy: it lacks every publication so far, and says it has none
    expect(states.boot2).toMatchObject({ behind: 1, hasCopy: false, last: { status: "failed" } });
  });

  it("a later publish with nothing changed catches the failed server up and leaves the delivered one alone", async () => {
    fs.rmSync(blocker);
    const r = await publish(operator, { outDir: out });
    expect(r.changes).toEqual([]);
    expect(r.deliveries!.map((d) => `${d.server} ${d.status}`)).toEqual(["boot2 delivered"]);
    expect(fs.readlinkSync(path.join(boot2, "current"))).toBe(`snapshots/${r.publicationId}`);
    expect(files(path.join(boot2, "current"))).toEqual(files(path.join(boot1, "current")));
    expect(fs.readlinkSync(path.join(boot1, "current"))).toBe(`snapshots/${first}`);
    expect((await bootServerStates(viewer)).map((s) => `${s.server} ${s.behind} ${s.hasCopy}`)).toEqual(["boot1 0 true", "boot2 0 true"]);
  });

  it("each publication is a new snapshot switched in by the link (unchanged files hard-linked); the two before it stay, older ones go", async () => {
    const ids: string[] = [];
    for (const args of ["quiet", "quiet loglevel=3", "loglevel=4", "loglevel=5"]) {
      const h = await getHost(viewer, "node001");
      await updateHost(operator, "node001", { ...hostIn(1), kernelArgs: args, revision: h.revision });
      const r = await publish(operator, { outDir: out });
      expect(r.deliveries!.every((d) => d.status === "delivered"), JSON.stringify(r.deliveries)).toBe(true);
      ids.push(r.publicationId!);
      const mac = hostIn(1).mac.replace(/:/g, "-");
      expect(fs.readFileSync(path.join(boot1, "current", `pxelinux.cfg/01-${mac}`), "utf8")).toContain(args);
    }
    expect(fs.readdirSync(path.join(boot1, "snapshots")).sort()).toEqual(ids.slice(-3).sort());
    // boot.ipxe did not change: one inode across the kept snapshots
    const inodes = new Set(ids.slice(-3).map((id) => fs.statSync(path.join(boot1, "snapshots", id, "boot.ipxe")).ino));
    expect(inodes.size).toBe(1);
  });

  it("a copy that fails half-way (the server's disk refuses the new tree) leaves the served tree whole; the next publish switches", async () => {
    const snapshots = path.join(boot1, "snapshots");
    const served = fs.readlinkSync(path.join(boot1, "current"));
    const before = files(path.join(boot1, "current"));
    // immutable: even root cannot add the new snapshot (a read-only or full disk, as rsync sees it)
    const { spawnSync } = await import("node:child_process");
    if (spawnSync("chattr", ["+i", snapshots]).status !== 0) return; // a file system without the flag: nothing to show here
    try {
      const h = await getHost(viewer, "node001");
      await updateHost(operator, "node001", { ...hostIn(1), kernelArgs: "loglevel=6", revision: h.revision });
      const r = await publish(operator, { outDir: out });
      const one = r.deliveries!.find((d) => d.server === "boot1")!;
      expect(one.status).toBe("failed");
      expect(one.message).toMatch(/copying the export: rsync exited/);
      expect(fs.readlinkSync(path.join(boot1, "current"))).toBe(served);
      expect(files(path.join(boot1, "current"))).toEqual(before);
      expect(r.deliveries!.find((d) => d.server === "boot2")!.status).toBe("delivered");
    } finally {
      spawnSync("chattr", ["-i", snapshots]);
    }
    const r = await publish(operator, { outDir: out });
    expect(r.deliveries!.map((d) => `${d.server} ${d.status}`)).toEqual(["boot1 delivered"]);
    expect(fs.readFileSync(path.join(boot1, "current", `pxelinux.cfg/01-${hostIn(1).mac.replace(/:/g, "-")}`), "utf8")).toContain("loglevel=6");
  });

  it("an unreachable SSH boot server fails with ssh's own message, the others are delivered", async () => {
    process.env.AFSBOOT_RSYNC_RSH = "ssh -p 1 -o BatchMode=yes -o ConnectTimeout=5";
    await setServers([
      { name: "boot1", address: "10.0.0.2", deliverTo: boot1 },
      { name: "boot2", address: "10.0.0.3", deliverTo: boot2 },
      { name: "boot3", address: "10.0.0.4", deliverTo: "afsboot@127.0.0.1:/srv/afsboot" },
    ]);
    const r = await publish(operator, { outDir: out });
    const byServer = Object.fromEntries(r.deliveries!.map((d) => [d.server, d]));
    expect(byServer.boot1!.status).toBe("delivered");
    expect(byServer.boot2!.status).toBe("delivered");
    expect(byServer.boot3!.status).toBe("failed");
    expect(byServer.boot3!.message).toMatch(/Connection refused/);
    delete process.env.AFSBOOT_RSYNC_RSH;
  });

  it("nothing is delivered for a dry run or for a publication into another directory than the export directory", async () => {
    const h = await getHost(viewer, "node002");
    await updateHost(operator, "node002", { ...hostIn(2), kernelArgs: "quiet", revision: h.revision });
    const dry = await publish(operator, { outDir: out, dryRun: true });
    expect(dry.deliveries).toBeUndefined();
    const elsewhere = await publish(operator, { outDir: path.join(root, "elsewhere") });
    expect(elsewhere.deliveries).toEqual([]);
  });
});
