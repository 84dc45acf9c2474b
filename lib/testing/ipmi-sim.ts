import { spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pidAlive } from "@/lib/pid";

// A real IPMI BMC for tests: OpenIPMI's ipmi_sim on 127.0.0.1 and a random UDP port, its "machine"
// a `sleep` process. ipmi_sim's own power path (startcmd) cannot reset nor set a boot device
// without a QEMU connected to its VM serial port ("Invalid data field in request"), so the BMC's
// chassis control goes through its `chassis_control` program instead: a small script that starts,
// stops and restarts the machine and writes each action to an events file the test reads
// (scripts/lab/bmc.sh drives a real QEMU through startcmd). Everything is stopped by PID.

/** ipmi_sim's chassis_control program: `ctl DIR get power|boot…` or `ctl DIR set power 0|1 reset 1 boot pxe…`. */
const CHASSIS_CONTROL = `#!/bin/sh
dir=$1; op=$2; shift 2
alive() { [ -f "$dir/machine.pid" ] && kill -0 "$(cat "$dir/machine.pid")" 2>/dev/null; }
start() { sleep 3600 </dev/null >/dev/null 2>&1 & echo $! > "$dir/machine.pid"; echo "start $!" >> "$dir/events"; }
stop() { if alive; then kill "$(cat "$dir/machine.pid")"; echo "stop $(cat "$dir/machine.pid")" >> "$dir/events"; fi; rm -f "$dir/machine.pid"; }
if [ "$op" = get ]; then
  for p in "$@"; do
    case $p in
      power) if alive; then echo power:1; else echo power:0; fi ;;
      boot) echo "boot:$(cat "$dir/boot" 2>/dev/null || echo default)" ;;
      *) echo "unknown parameter $p"; exit 1 ;;
    esac
  done
  exit 0
fi
while [ $# -ge 2 ]; do
  p=$1; v=$2; shift 2
  case $p in
    power) if [ "$v" = 1 ]; then alive || start; else stop; fi ;;
    reset) echo reset >> "$dir/events"; stop; start ;;
    boot) echo "$v" > "$dir/boot"; echo "boot $v" >> "$dir/events" ;;
    *) echo "unknown parameter $p"; exit 1 ;;
  esac
done
`;

function lanConf(dir: string, port: number, user: string, password: string): string {
  const auths = "none md2 md5 straight";
  return [
    `name "afsboot-test"`,
    `set_working_mc 0x20`,
    `  startlan 1`,
    `    addr 127.0.0.1 ${port}`,
    `    priv_limit admin`,
    ...["callback", "user", "operator", "admin"].map((p) => `    allowed_auths_${p} ${auths}`),
    `    guid a123456789abcdefa123456789abcdef`,
    `  endlan`,
    `  chassis_control "${path.join(dir, "chassis-control")} ${dir}"`,
    `  user 2 true "${user}" "${password}" admin 10 ${auths}`,
    "",
  ].join("\n");
}

/** The emulator's command file (ipmi_sim_cmd(5)): one BMC at IPMB 0x20. */
const EMU = ["mc_setbmc 0x20", "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02", "mc_enable 0x20", ""].join("\n");

function onPath(bin: string): boolean {
  return (process.env.PATH ?? "").split(":").some((d) => d !== "" && fs.existsSync(path.join(d, bin)));
}

/** Why the real-BMC tests cannot run here, or null when they can. */
export function ipmiSimMissing(): string | null {
  const missing = ["ipmi_sim", "ipmitool"].filter((b) => !onPath(b));
  return missing.length ? `${missing.join(" and ")} not installed (Debian: apt-get install openipmi ipmitool)` : null;
}

/** A UDP port on 127.0.0.1 where nothing listens (free a moment ago). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A "slow BMC": a UDP socket on 127.0.0.1 that receives everything and never answers. */
export async function silentUdp(): Promise<{ address: string; received: () => number; close: () => Promise<void> }> {
  const s = dgram.createSocket("udp4");
  let count = 0;
  s.on("message", () => count++);
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${s.address().port}`,
    received: () => count,
    close: () => new Promise<void>((resolve) => s.close(() => resolve())),
  };
}

const alive = pidAlive;

export interface IpmiSim {
  /** 127.0.0.1:PORT, for BmcTarget.address */
  address: string;
  user: string;
  password: string;
  pid: number;
  /** the machine's PID while it is "powered on", else null */
  machinePid(): number | null;
  /** the chassis control program's actions, in order: "start PID", "stop PID", "reset", "boot pxe" */
  events(): string[];
  /** what ipmi_sim printed (startup errors) */
  log(): string;
  stop(): Promise<void>;
}

/** Starts ipmi_sim with one admin user; resolves once it answers ipmitool. */
export async function startIpmiSim(opts: { user?: string; password?: string } = {}): Promise<IpmiSim> {
  const user = opts.user ?? "admin";
  const password = opts.password ?? "Sim-pass-0815";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-ipmi-sim-"));
  fs.mkdirSync(path.join(dir, "state"));
  fs.writeFileSync(path.join(dir, "chassis-control"), CHASSIS_CONTROL, { mode: 0o755 });
  const port = await freeUdpPort();
  fs.writeFileSync(path.join(dir, "lan.conf"), lanConf(dir, port, user, password));
  fs.writeFileSync(path.join(dir, "sim.emu"), EMU);
  const logFd = fs.openSync(path.join(dir, "ipmi_sim.log"), "a");
  const child = spawn("ipmi_sim", ["-c", path.join(dir, "lan.conf"), "-f", path.join(dir, "sim.emu"), "-s", path.join(dir, "state"), "-n"], {
    stdio: ["ignore", logFd, logFd],
  });
  fs.closeSync(logFd);
  let exited = false;
  child.on("exit", () => (exited = true));
  const pid = child.pid;
  const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : "");

  const sim: IpmiSim = {
    address: `127.0.0.1:${port}`,
    user,
    password,
    pid: pid ?? -1,
    machinePid() {
      const p = Number(read("machine.pid").trim());
      return p > 0 && alive(p) ? p : null;
    },
    events: () => read("events").split("\n").filter(Boolean),
    log: () => read("ipmi_sim.log"),
    async stop() {
      const m = sim.machinePid();
      if (m) process.kill(m, "SIGKILL");
      if (pid !== undefined && !exited) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        process.kill(pid, "SIGTERM");
        await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (!exited) process.kill(pid, "SIGKILL");
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  // ready when a status query through the LAN channel succeeds (a generous bound: a busy machine)
  for (let i = 0; i < 60; i++) {
    if (exited || pid === undefined) break;
    const r = spawnSync(
      "ipmitool",
      ["-I", "lanplus", "-H", "127.0.0.1", "-p", String(port), "-U", user, "-E", "-N", "1", "-R", "1", "chassis", "power", "status"],
      {
        env: { ...process.env, IPMI_PASSWORD: password },
        encoding: "utf8",
        timeout: 10_000,
      },
    );
    if (r.status === 0) return sim;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const log = sim.log();
  await sim.stop();
  throw new Error(`ipmi_sim did not start on 127.0.0.1:${port}: ${log.trim() || "no output"}`);
}
