// Test data the console cannot make through its pages yet, written straight into the e2e database
// through the data layer (run by hosts.spec.ts with tsx and the react-server condition, like the CLI):
//   release NAME CELL VERSION...   a release tree in CELL with these versions, all activated in order
//   hosts JSON                     enroll the hosts of a JSON array (hostInput fields), all or none
//   boot HOSTNAME VERSION [STATE]  a finished boot of the host that ran VERSION, as its last boot
import { randomUUID } from "node:crypto";
import { cliActor } from "@/lib/auth/roles";
import { db } from "@/lib/db";
import { enrollHosts } from "@/lib/data/host-bulk";
import { createRelease, createVersion } from "@/lib/data/releases";
import { hostInput } from "@/lib/validation/host";
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

async function main() {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === "release" && args.length >= 3) await release(args[0]!, args[1]!, args.slice(2));
  else if (cmd === "hosts" && args.length === 1)
    await enrollHosts(
      cliActor(),
      (JSON.parse(args[0]!) as unknown[]).map((h) => hostInput.parse(h)),
    );
  else if (cmd === "boot" && args.length >= 2) await boot(args[0]!, args[1]!, args[2] as "up" | undefined);
  else throw new Error(`usage: hosts-fixtures.ts release NAME CELL VERSION... | hosts JSON | boot HOSTNAME VERSION [STATE]`);
  await db.$disconnect();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
