import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@/lib/db";
import { driveRollout, seedRolloutFleet, testClock } from "@/lib/testing/rollout-fixtures";
import { scriptBmc } from "@/lib/testing/script-bmc";

// `afsboot rollout …` through the real launcher on this test file's database; the rollout itself
// is driven by this test's ticks (at the test's own times), as the console's ticker would.
const bin = path.resolve("bin/afsboot.mjs");
const run = (...args: string[]) => spawnSync(process.execPath, [bin, "rollout", ...args], { encoding: "utf8", env: { ...process.env }, timeout: 60_000 });
const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-rollout-cli-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const clock = testClock();
const bmc = scriptBmc(path.join(root, "bmc"));

beforeAll(async () => {
  await seedRolloutFleet(root, 3, clock.later(-3600));
});

describe("afsboot rollout", { timeout: 180_000 }, () => {
  it("previews with --dry-run; refuses bad input with the flag's name, starting nothing", async () => {
    const dry = run("start", "--version", "rh-7.3@2", "--select", "host:node001,host:node002", "--select", "host:node003", "--wave", "1", "--dry-run");
    expect(dry.stderr).toBe("");
    expect(dry.stdout).toBe("Would roll rh-7.3@2 out to 3 hosts (power mode) in 3 waves:\nCanary (1): node001\nWave 1 (1): node002\nWave 2 (1): node003\n");
    const zero = run("start", "--version", "rh-7.3@2", "--select", "host:node001", "--wave", "0");
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/--wave: The wave size must be a whole number of hosts \(at least 1\)/);
    const select = run("start", "--version", "rh-7.3@2", "--select", "node001");
    expect(select.status).toBe(1);
    expect(select.stderr).toMatch(/--select "node001": use KIND:VALUE with KIND one of host, tag, network, release, version/);
    const none = run("start", "--version", "rh-7.3@2", "--select", "tag:nothing");
    expect(none.stderr).toMatch(/afsboot: The selector matches no host/);
    expect(await db.rollout.count()).toBe(0);
  });

  it("starts a rollout, shows its waves and decision, and --wait exits 0 once it completed", async () => {
    const started = run("start", "--version", "rh-7.3@2", "--select", "host:node001,host:node002", "--wave", "1", "--rollback");
    expect(started.stderr).toBe("");
    const id = /^started rollout (\S+): rh-7\.3@2 to 2 hosts in 2 waves$/m.exec(started.stdout)?.[1];
    expect(id).toBeTruthy();
    await driveRollout(id!, () => "up", ["completed"], { clock, power: bmc.port });
    const status = run("status", id!);
    expect(status.stdout).toMatch(new RegExp(`^Rollout ${id}: rh-7\\.3@2 to 2 hosts \\(power mode\\): completed, wave 2 of 2\\n`));
    expect(status.stdout).toMatch(/\n  Wave 1: 1 of 1 host up, 0 failed; the limit is 0: passed\nCanary \(1 host, limit 0\): 1 up\n  node001 +up +up\n/);
    const list = run("status");
    expect(list.stdout).toMatch(new RegExp(`^${id}  \\S+  rh-7\\.3@2 +2 hosts  completed +Wave 1: 1 of 1 host up`));
    const wait = run("status", id!, "--wait");
    expect(wait.status).toBe(0);
  });

  it("pauses and aborts; --wait on an aborted rollout exits 1", async () => {
    const started = run("start", "--version", "rh-7.3@3", "--select", "host:node003", "--canary", "0", "--wave", "1");
    const id = /^started rollout (\S+):/m.exec(started.stdout)![1]!;
    expect(run("pause", id).stdout).toBe(`rollout ${id}: paused\n`);
    const again = run("pause", id);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/is paused: only a running rollout can be paused/);
    expect(run("abort", id).stdout).toBe(`rollout ${id}: aborted\n`);
    const wait = run("status", id, "--wait");
    expect(wait.status).toBe(1);
    expect(wait.stderr).toMatch(new RegExp(`rollout ${id} ended aborted`));
  });
});
