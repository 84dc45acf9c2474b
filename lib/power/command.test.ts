import fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandDriver } from "./command";
import { POWER_ACTIONS, type BmcTarget, type PowerAction, type PowerResult } from "./types";

// The command driver with small shell scripts written into a temporary power directory.
// Timeouts are budgets, never measured.

const PASSWORD = "pdu-Pa55-w0rd";
let dir: string;
const results: PowerResult[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), "afsboot-command-test-"));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  expect(results.length).toBeGreaterThan(15);
  for (const r of results) expect(r.message).not.toContain(PASSWORD);
});

function script(name: string, body: string, mode = 0o755): string {
  fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode });
  return name;
}

function target(command: string | null, over: Partial<BmcTarget> = {}): BmcTarget {
  return {
    host: "n001",
    mac: "52:54:00:00:00:01",
    ip: "10.0.0.1",
    driver: "command",
    address: "pdu1:outlet4",
    user: "apc",
    password: PASSWORD,
    insecure: false,
    command,
    ...over,
  };
}

async function run(t: BmcTarget, action: PowerAction, timeoutMs = 20_000, signal?: AbortSignal): Promise<PowerResult> {
  const r = await commandDriver({ dir }).run(t, action, { timeoutMs, signal });
  results.push(r);
  expect(r.message).not.toContain(PASSWORD);
  return r;
}

/** alive and not a zombie */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

describe("actions", () => {
  it.each(POWER_ACTIONS.filter((a) => a !== "status"))("%s: the action as $1 and AFSBOOT_ACTION, exit 0 = ok", async (action) => {
    const name = script("echo-action", 'echo "did $1 ($AFSBOOT_ACTION)"');
    expect(await run(target(name), action)).toMatchObject({ ok: true, message: `did ${action} (${action})` });
  });

  it.each([
    ["on", "on"],
    ["OFF since 12:00", "off"],
    ["standby", "unknown"],
    ["", "unknown"],
  ] as const)("status: stdout %j is %s", async (said, state) => {
    const name = script("status", 'printf "%s\\n" "$AFSBOOT_BMC_ADDRESS"');
    const r = await run(target(name, { address: said }), "status");
    expect(r).toMatchObject({ ok: true, state });
  });

  it("a non-zero exit fails with the end of the output", async () => {
    const name = script("refuse", 'echo "outlet 4:" ; echo "PDU says no" >&2; exit 2');
    expect(await run(target(name), "off")).toMatchObject({ ok: false, message: "refuse off failed (exit 2): outlet 4:\nPDU says no" });
  });

  it("exit 3 for pxe: not supported", async () => {
    const name = script("no-pxe", "exit 3");
    expect(await run(target(name), "pxe")).toMatchObject({ ok: false, message: "no-pxe does not support pxe (exit 3)" });
    expect((await run(target(name), "off")).message).toBe("no-pxe off failed (exit 3)");
  });

  it("keeps only the last lines of a long output", async () => {
    const name = script("chatty", 'i=0; while [ $i -lt 2000 ]; do echo "line $i of a chatty power script"; i=$((i+1)); done; exit 1');
    const r = await run(target(name), "on");
    expect(r.message.length).toBeLessThan(900);
    expect(r.message).toMatch(/line 1999 of a chatty power script$/);
    expect(r.message).not.toContain("line 1990 ");
  });

  it("supports every action (the command decides)", () => {
    expect(POWER_ACTIONS.every((a) => commandDriver({ dir }).supports(a))).toBe(true);
  });
});

describe("environment", () => {
  it("passes the host and BMC, and nothing of the console's environment", async () => {
    const out = path.join(dir, "env.out");
    const name = script("dump-env", `env > ${out}`);
    process.env.AFSBOOT_SECRET = "console-server-secret-value";
    try {
      expect((await run(target(name), "cycle")).ok).toBe(true);
    } finally {
      delete process.env.AFSBOOT_SECRET;
    }
    const text = fs.readFileSync(out, "utf8");
    const env = Object.fromEntries(
      text
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(env).toMatchObject({
      AFSBOOT_ACTION: "cycle",
      AFSBOOT_HOST: "n001",
      AFSBOOT_MAC: "52:54:00:00:00:01",
      AFSBOOT_IP: "10.0.0.1",
      AFSBOOT_BMC_ADDRESS: "pdu1:outlet4",
      AFSBOOT_BMC_USER: "apc",
      AFSBOOT_BMC_PASSWORD: PASSWORD,
      HOME: "/nonexistent",
      LANG: "C",
    });
    expect(env.PATH).toMatch(/\/usr\/bin/);
    // what the shell adds by itself (PWD and the like) aside, only ours
    const shells = new Set(["PWD", "OLDPWD", "SHLVL", "_"]);
    expect(Object.keys(env).filter((k) => !shells.has(k) && !k.startsWith("AFSBOOT_") && !["PATH", "HOME", "LANG"].includes(k))).toEqual([]);
    expect(text).not.toContain("console-server-secret-value");
    expect(
      Object.keys(env)
        .filter((k) => k.startsWith("AFSBOOT_"))
        .sort(),
    ).toHaveLength(7);
  });

  it("redacts the password when the script prints it", async () => {
    const name = script("echo-password", 'echo "login apc/$AFSBOOT_BMC_PASSWORD refused" >&2; exit 1');
    expect(await run(target(name), "on")).toMatchObject({ ok: false, message: "echo-password on failed (exit 1): login apc/*** refused" });
  });
});

describe("faults", () => {
  it("a script that sleeps forever is killed at the timeout, with its child", async () => {
    const pids = path.join(dir, "sleeper.pids");
    const name = script("sleeper", `sleep 1000 &\necho "$$ $!" > ${pids}\necho "waiting for the PDU"\nwait`);
    const r = await run(target(name), "on", 2000);
    expect(r).toMatchObject({ ok: false, message: "sleeper did not finish within 2 s: killed (with what it started): waiting for the PDU" });
    const [parent, child] = fs.readFileSync(pids, "utf8").trim().split(" ").map(Number);
    expect(parent && child).toBeGreaterThan(1);
    expect(await gone(parent ?? 0)).toBe(true);
    expect(await gone(child ?? 0)).toBe(true);
  });

  it("what a script leaves running in the background is killed when it exits", async () => {
    const pids = path.join(dir, "leaver.pids");
    const name = script("leaver", `sleep 1000 >/dev/null 2>&1 &\necho "$!" > ${pids}\necho done`);
    expect(await run(target(name), "off")).toMatchObject({ ok: true, message: "done" });
    expect(await gone(Number(fs.readFileSync(pids, "utf8").trim()))).toBe(true);
  });

  it("the caller's signal stops it", async () => {
    const name = script("slow", "sleep 1000");
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    expect(await run(target(name), "on", 60_000, ac.signal)).toMatchObject({ ok: false, message: "slow was cancelled: killed (with what it started)" });
  });

  it.each(["../escape", "sub/power", "/bin/sh", ".hidden", "a..b", "", "-rf"])("refuses the name %j", async (name) => {
    const r = await run(target(name), "on");
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(name ? /is not a plain file name/ : /no command is set/);
  });

  it("a missing file", async () => {
    expect(await run(target("missing"), "on")).toMatchObject({ ok: false, message: `the command missing does not exist in ${dir}` });
  });

  it("a file that is not executable", async () => {
    const name = script("not-executable", "exit 0", 0o644);
    expect(await run(target(name), "on")).toMatchObject({ ok: false, message: `the command not-executable in ${dir} is not executable (chmod +x it)` });
  });

  it("a directory", async () => {
    fs.mkdirSync(path.join(dir, "a-directory"), { recursive: true });
    expect(await run(target("a-directory"), "on")).toMatchObject({ ok: false, message: `the command a-directory is not a file in ${dir}` });
  });
});
