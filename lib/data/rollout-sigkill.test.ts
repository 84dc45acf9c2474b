import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@/lib/db";
import { operator } from "@/lib/testing/actors";
import { bootWaiting, driveRollout, seedRolloutFleet, testClock } from "@/lib/testing/rollout-fixtures";
import { scriptBmc } from "@/lib/testing/script-bmc";
import { LEASE_MS, tickRollouts } from "./rollout-driver";
import { startRolloutFor } from "./rollouts";
import { startRollout } from "@/lib/validation/rollout";

// The console killed with SIGKILL in the middle of a wave: a child process (tsx, the same driver
// code) drives the rollout and is killed at a chosen point of its power step; then this process
// resumes the rollout once the child's lease has run out. The script BMC's log proves that no host
// is cycled twice, and the rollout's rows that none is skipped.

const repo = path.resolve(import.meta.dirname, "../..");
const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-rollout-kill-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  fs.rmSync(root, { recursive: true, force: true });
});
const bmc = scriptBmc(path.join(root, "bmc"));
const clock = testClock();
const cycles = (host: string) => bmc.lines().filter((l) => l === `${host} cycle`).length;

beforeAll(async () => {
  await seedRolloutFleet(root, 8, clock.later(-3600));
});

/**
 * One tick of the driver in a child process at `now`, whose power port stops for good either
 * before asking the BMCs ("before-bmc": the hosts are written `cycling`, no BMC was asked) or
 * after they answered ("after-bmc": cycled, the answers not yet written); killed right there.
 */
async function tickInChildKilled(now: Date, at: "before-bmc" | "after-bmc"): Promise<void> {
  const script = path.join(root, `child-${at}.mts`);
  fs.writeFileSync(
    script,
    [
      `import { tickRollouts } from ${JSON.stringify(path.join(repo, "lib/data/rollout-driver.ts"))};`,
      `import { scriptBmc } from ${JSON.stringify(path.join(repo, "lib/testing/script-bmc.ts"))};`,
      `const bmc = scriptBmc(${JSON.stringify(path.join(root, "bmc"))});`,
      `const hang = () => new Promise<never>(() => {});`,
      `const power = { cycle: async (names: string[]) => {`,
      `  if (${JSON.stringify(at)} === "before-bmc") { process.send!("stopped"); return hang(); }`,
      `  await bmc.port.cycle(names);`,
      `  process.send!("stopped"); return hang();`,
      `} };`,
      `await tickRollouts("child", { now: new Date(${now.getTime()}), power });`,
      `process.send!("finished");`,
    ].join("\n"),
  );
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", script], {
    cwd: repo,
    env: { ...process.env, TSX_TSCONFIG_PATH: path.join(repo, "tsconfig.json") },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.push(child);
  const said = await new Promise<string>((resolve, reject) => {
    child.once("message", (m) => resolve(String(m)));
    child.once("exit", (code) => reject(new Error(`the child exited (${code}) before its power step`)));
  });
  expect(said).toBe("stopped");
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  expect(child.signalCode).toBe("SIGKILL");
}

const states = async (id: string) => (await db.rolloutHost.findMany({ where: { rolloutId: id }, orderBy: { hostName: "asc" } })).map((h) => `${h.hostName}:${h.state}`);

describe("a console killed with SIGKILL during a wave", () => {
  it("after its BMCs answered: the rollout resumes in another process, no host cycled twice, none skipped", async () => {
    const r = await startRolloutFor(operator, startRollout.parse({ version: "rh-7.3@2", selector: { hosts: ["node001", "node002", "node003", "node004", "node005"] }, canary: 1, wave: 2, pauseSeconds: 60 }));
    // the canary, driven here up to the pause before wave 1
    for (let i = 0; i < 20 && (await db.rollout.findUniqueOrThrow({ where: { id: r.id } })).currentWave < 1; i++) {
      await tickRollouts("first-console", { now: clock.later(5), power: bmc.port });
      await bootWaiting(r.id, () => "up", clock);
    }
    expect(await states(r.id)).toEqual(["node001:up", "node002:pending", "node003:pending", "node004:pending", "node005:pending"]);
    // another console (the child) takes over once this one's lease ran out, starts wave 1 and is killed in its power step
    clock.later(LEASE_MS / 1000);
    await tickInChildKilled(clock.later(5), "after-bmc");
    expect(await states(r.id)).toEqual(["node001:up", "node002:cycling", "node003:cycling", "node004:pending", "node005:pending"]);
    expect([cycles("node002"), cycles("node003")]).toEqual([1, 1]);
    // cycled, the two hosts boot and report while no console drives the rollout
    await bootWaiting(r.id, () => "up", clock);
    // this process takes over once the child's lease has run out
    clock.later(LEASE_MS / 1000);
    const end = await driveRollout(r.id, () => "up", ["completed", "halted"], { clock, power: bmc.port, owner: "restarted-console" });
    expect(end.state).toBe("completed");
    expect(await states(r.id)).toEqual(["node001:up", "node002:up", "node003:up", "node004:up", "node005:up"]);
    expect(["node001", "node002", "node003", "node004", "node005"].map(cycles)).toEqual([1, 1, 1, 1, 1]);
  }, 120_000);

  it("before its BMCs were asked: the hosts written `cycling` are never cycled again; their silence fails the wave, in words", async () => {
    const r = await startRolloutFor(operator, startRollout.parse({ version: "rh-7.3@2", selector: { hosts: ["node006", "node007", "node008"] }, canary: 1, wave: 2, reportDeadlineSeconds: 60 }));
    await tickInChildKilled(clock.later(5), "before-bmc");
    expect(await states(r.id)).toEqual(["node006:cycling", "node007:pending", "node008:pending"]);
    clock.later(LEASE_MS / 1000);
    const end = await driveRollout(r.id, () => "silent", ["halted", "completed"], { clock, power: bmc.port, owner: "restarted-console" });
    expect(end.decision).toMatch(/^Canary: 1 of 1 host failed \(node006: no report \(dhcp, pxe or initrd\) within 60 s of its power cycle \(the console stopped while its BMC was asked: the cycle may not have happened\)\)/);
    expect(["node006", "node007", "node008"].map(cycles)).toEqual([0, 0, 0]);
    expect(await states(r.id)).toEqual(["node006:failed", "node007:skipped", "node008:skipped"]);
  }, 120_000);
});
