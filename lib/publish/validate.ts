import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PublishedFile } from "@/lib/generate/all";

// The generated DHCP configs checked by the real daemons before anything is published. A daemon
// that is not installed is reported as skipped, never as passed.

export interface ValidatorResult {
  validator: string;
  file: string;
  status: "passed" | "failed" | "skipped";
  output: string;
}

const BIN = {
  dhcpd: () => process.env.AFSBOOT_DHCPD ?? "/usr/sbin/dhcpd",
  kea: () => process.env.AFSBOOT_KEA_DHCP4 ?? "/usr/sbin/kea-dhcp4",
  dnsmasq: () => process.env.AFSBOOT_DNSMASQ ?? "/usr/sbin/dnsmasq",
};

export function validateDhcp(files: PublishedFile[], exportDir: string): ValidatorResult[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-validate-"));
  try {
    return files
      .filter((f) => f.kind === "dhcpd" || f.kind === "kea" || (f.kind === "dnsmasq" && f.path.endsWith(".conf")))
      .map((f) => {
        const file = path.join(dir, path.basename(f.path));
        // dnsmasq's conf names its hosts file by its published path: point it at a copy here
        const text = f.kind === "dnsmasq" ? f.bytes.toString().split(`${exportDir.replace(/\/+$/, "")}/dhcp/`).join(`${dir}/`) : f.bytes.toString();
        fs.writeFileSync(file, text);
        if (f.kind === "dnsmasq") {
          const hosts = files.find((h) => h.path === f.path.replace(/\.conf$/, ".hosts"));
          if (hosts) fs.writeFileSync(path.join(dir, path.basename(hosts.path)), hosts.bytes);
        }
        const bin = BIN[f.kind as keyof typeof BIN]();
        if (!fs.existsSync(bin)) return { validator: f.kind, file: f.path, status: "skipped" as const, output: `${bin} is not installed` };
        const args =
          f.kind === "dhcpd" ? ["-t", "-4", "-q", "-cf", file, "-lf", path.join(dir, "leases"), "-pf", path.join(dir, "pid")] : f.kind === "kea" ? ["-t", file] : ["--test", `--conf-file=${file}`];
        const r = spawnSync(bin, args, { encoding: "utf8", timeout: 60_000 });
        const output = `${r.stdout ?? ""}${r.stderr ?? ""}`.split(dir).join("<tmp>").trim().slice(-4000);
        return { validator: f.kind, file: f.path, status: r.status === 0 ? ("passed" as const) : ("failed" as const), output };
      });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
