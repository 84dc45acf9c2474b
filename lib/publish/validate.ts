import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { env } from "@/lib/env";
import type { PublishedFile } from "@/lib/generate/all";
import { runProgram } from "./run";

// The generated DHCP configs checked by the real daemons before anything is published. A daemon
// that is not installed is reported as skipped, never as passed. The checks run in parallel
// (each is one short-lived process; at 10,000 hosts kea-dhcp4 -t alone takes ~0.6 s), at nice 10
// beside the publisher's own work (lib/data/publish.ts), which they still gate, each stopped
// after TIMEOUT_S.

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
      .map((f, i) => {
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
            : f.bytes;
        fs.writeFileSync(file, text);
        if (f.kind === "dnsmasq") {
          const hosts = hostsFiles.get(f.path.replace(/\.conf$/, ".hosts"));
          if (hosts) fs.writeFileSync(path.join(sub, path.basename(hosts.path)), hosts.bytes);
        }
        const bin = BIN[f.kind as keyof typeof BIN]();
        const args =
          f.kind === "dhcpd"
            ? ["-t", "-4", "-cf", file, "-lf", path.join(sub, "leases"), "-pf", path.join(sub, "pid")]
            : f.kind === "kea"
              ? ["-t", file]
              : ["--test", `--conf-file=${file}`];
        return { f, sub, bin, args, installed: fs.existsSync(bin) };
      });
    const run = checks.filter((c) => c.installed);
    // All of them from one shell, in parallel, at a lower priority (they run while the publisher
    // makes the diffs and writes the files): one process started by the console instead of one per
    // check (each start is a fork of the console's process, ~12 ms when it has published 10,000
    // hosts). Each check's output and exit status go to files of its own folder. The script is a
    // file (as an argument, hundreds of networks would pass the kernel's limit for one).
    const script = path.join(dir, "checks.sh");
    fs.writeFileSync(
      script,
      `${run.map((c) => `( timeout -k 5 ${TIMEOUT_S} ${[c.bin, ...c.args].map(sh).join(" ")} >${sh(`${c.sub}/output`)} 2>&1; echo $? >${sh(`${c.sub}/status`)} ) &`).join("\n")}\nwait\n`,
    );
    const shell = run.length ? await runProgram("nice", ["-n", "10", "sh", script], (TIMEOUT_S + 10) * 1000) : null;
    return checks.map((c): ValidatorResult => {
      if (!c.installed) return { validator: c.f.kind, file: c.f.path, status: "skipped", output: `${c.bin} is not installed` };
      const status = read(path.join(c.sub, "status"))?.trim();
      const raw = status === undefined ? `the check did not run: ${shell?.output.trim() || "no exit status"}` : (read(path.join(c.sub, "output")) ?? "");
      // (timeout's own failures: it could not run, or could not run the daemon; still a failed check)
      const stopped =
        status === "124"
          ? `\n(stopped after ${TIMEOUT_S} s)`
          : status === "125" || status === "126" || status === "127"
            ? `\n(the check could not run: exit status ${status})`
            : "";
      const output = `${raw.split(c.sub).join("<tmp>").trim()}${stopped}`.slice(-4000);
      return { validator: c.f.kind, file: c.f.path, status: status === "0" ? "passed" : "failed", output };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** How long one check may take. */
const TIMEOUT_S = 60;

/** A word for sh, quoted. */
const sh = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
