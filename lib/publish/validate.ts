import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { env } from "@/lib/env";
import type { PublishedFile } from "@/lib/generate/all";
import { runProgram } from "./run";

// The generated DHCP configs checked by the real daemons before anything is published. A daemon
// that is not installed is reported as skipped, never as passed. The checks run in parallel
// (each is one short-lived process; at 10,000 hosts kea-dhcp4 -t alone takes ~0.6 s), at nice 10
// beside the publisher's own work (lib/data/publish.ts), which they still gate.

export interface ValidatorResult {
  validator: string;
  file: string;
  status: "passed" | "failed" | "skipped";
  output: string;
}

const BIN = {
  dhcpd: () => env().AFSBOOT_DHCPD,
  kea: () => env().AFSBOOT_KEA_DHCP4,
  dnsmasq: () => env().AFSBOOT_DNSMASQ,
};

/** Validates each DHCP config of `files` (dnsmasq: the .conf together with its .hosts file). */
export async function validateDhcp(files: PublishedFile[], exportDir: string): Promise<ValidatorResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-validate-"));
  try {
    const hostsFiles = new Map(files.filter((f) => f.kind === "dnsmasq" && f.path.endsWith(".hosts")).map((f) => [f.path, f]));
    const checks = files
      .filter((f) => f.kind === "dhcpd" || f.kind === "kea" || (f.kind === "dnsmasq" && f.path.endsWith(".conf")))
      .map(async (f, i): Promise<ValidatorResult> => {
        const sub = path.join(dir, String(i));
        fs.mkdirSync(sub);
        const file = path.join(sub, path.basename(f.path));
        // dnsmasq's conf names its hosts file by its published path: point it at a copy here
        const text =
          f.kind === "dnsmasq"
            ? f.bytes
                .toString()
                .split(`${exportDir.replace(/\/+$/, "")}/dhcp/`)
                .join(`${sub}/`)
            : f.bytes.toString();
        fs.writeFileSync(file, text);
        if (f.kind === "dnsmasq") {
          const hosts = hostsFiles.get(f.path.replace(/\.conf$/, ".hosts"));
          if (hosts) fs.writeFileSync(path.join(sub, path.basename(hosts.path)), hosts.bytes);
        }
        const bin = BIN[f.kind as keyof typeof BIN]();
        if (!fs.existsSync(bin)) return { validator: f.kind, file: f.path, status: "skipped", output: `${bin} is not installed` };
        const args =
          f.kind === "dhcpd"
            ? ["-t", "-4", "-q", "-cf", file, "-lf", path.join(sub, "leases"), "-pf", path.join(sub, "pid")]
            : f.kind === "kea"
              ? ["-t", file]
              : ["--test", `--conf-file=${file}`];
        // at a lower priority: they run while the publisher makes the diffs and writes the files
        const r = await runProgram(bin, args, 60_000, undefined, { nice: 10 });
        const output = r.output.split(sub).join("<tmp>").trim().slice(-4000);
        return { validator: f.kind, file: f.path, status: r.code === 0 ? "passed" : "failed", output };
      });
    return await Promise.all(checks);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
