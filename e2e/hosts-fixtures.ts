// Test data the console cannot make through its pages yet, written straight into the e2e database
// through the data layer (run by hosts.spec.ts with tsx and the react-server condition, like the CLI):
//   release NAME CELL VERSION...   a release tree in CELL with these versions, all activated in order
//   hosts JSON                     enroll the hosts of a JSON array (hostInput fields), all or none
//   boot HOSTNAME VERSION [STATE]  a finished boot of the host that ran VERSION, as its last boot
//   identity HOSTNAME REALM DOMAIN  the host on TPM identity, its cell on REALM, its network on DOMAIN, a
//                                  pinned TPM and a different one flagged (identity mismatch);
//                                  prints {pinned, candidate} (the two fingerprints)
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { cliActor } from "@/lib/auth/roles";
import { db } from "@/lib/db";
import { enrollHosts } from "@/lib/data/host-bulk";
import { createRelease, createVersion } from "@/lib/data/releases";
import { hostInput } from "@/lib/validation/host";
import { fingerprint, parsePublic } from "@/lib/tpm/public";
import { releaseInput, versionInput } from "@/lib/validation/release";

async function release(name: string, cell: string, versions: string[]) {
  const actor = cliActor();
  await createRelease(actor, releaseInput.parse({ name, tree: `/afs/${cell}/boot/${name}`, notes: "created by e2e" }));
  for (const version of versions) {
    const input = versionInput.parse({
      version,
      kernel: "vmlinuz",
      baseInitrd: "initrd.img",
      modules: "e1000",
      readonly: "bin lib sbin usr",
      writable: "etc var",
    });
    // activated in order: the last one is "latest" (activation times of a release strictly increase)
    await createVersion(actor, name, input, { activate: true });
  }
}

async function boot(hostname: string, version: string, state: "up" | "failed" | "booting" | "stalled" = "up") {
  const host = await db.host.findUniqueOrThrow({ where: { name: hostname } });
  const row = await db.boot.create({
    data: {
      hostId: host.id,
      bootId: `e2e-${randomUUID()}`,
      state,
      currentStage: state === "up" ? "up" : "afs",
      releaseVersion: version,
      finishedAt: new Date(),
    },
  });
  await db.host.update({ where: { id: host.id }, data: { lastBootId: row.id } });
}

async function identity(hostname: string, realm: string, domain: string) {
  const host = await db.host.findUniqueOrThrow({ where: { name: hostname } });
  await db.host.update({ where: { id: host.id }, data: { identity: "tpm" } });
  await db.cell.update({ where: { id: host.cellId }, data: { realm, kdcs: "127.0.0.1:1" } });
  await db.network.update({ where: { id: host.networkId }, data: { domain } });
  // a real TPM's EK and AK (lib/tpm/__fixtures__) as the one that booted; the pinned one only a fingerprint
  const tpmFile = (f: string) => fs.readFileSync(path.join(import.meta.dirname, "../lib/tpm/__fixtures__", f));
  const ek = tpmFile("ek.pub");
  const candidate = fingerprint(parsePublic(ek, "ek"));
  const pinned = `SHA256:${createHash("sha256").update(`pinned ${hostname}`).digest("base64").replace(/=+$/, "")}`;
  await db.hostTpm.create({
    data: {
      hostId: host.id,
      ekPublic: Buffer.from("pinned").toString("base64"),
      akPublic: tpmFile("ak.pub").toString("base64"),
      ekFingerprint: pinned,
      akName: "00",
      pinnedAt: new Date(Date.now() - 86_400_000),
      pinnedBy: "first use",
      candidateEkPublic: ek.toString("base64"),
      candidateAkPublic: tpmFile("ak.pub").toString("base64"),
      candidateFingerprint: candidate,
      candidateAt: new Date(),
      candidateIp: "10.0.0.99",
      mismatch: true,
    },
  });
  process.stdout.write(JSON.stringify({ pinned, candidate }));
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === "release" && args.length >= 3) await release(args[0]!, args[1]!, args.slice(2));
  else if (cmd === "hosts" && args.length === 1)
    await enrollHosts(
      cliActor(),
      (JSON.parse(args[0]!) as unknown[]).map((h) => hostInput.parse(h)),
    );
  else if (cmd === "boot" && args.length >= 2) await boot(args[0]!, args[1]!, args[2] as "up" | undefined);
  else if (cmd === "identity" && args.length === 3) await identity(args[0]!, args[1]!, args[2]!);
  else throw new Error(`usage: hosts-fixtures.ts release NAME CELL VERSION... | hosts JSON | boot HOSTNAME VERSION [STATE] | identity HOSTNAME REALM DOMAIN`);
  await db.$disconnect();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
