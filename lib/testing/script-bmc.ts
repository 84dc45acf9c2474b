import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { PowerOutcome, PowerPort } from "@/lib/data/rollout-power";

// A BMC for tests that is a real program, as the `command` power driver runs one: a shell script
// that appends "<host> <action>" to a log file (the proof of which hosts were cycled, how often),
// and fails for the hosts listed in <dir>/broken, as an unreachable BMC would.

export interface ScriptBmc {
  script: string;
  logFile: string;
  port: PowerPort;
  /** the log's lines, in order */
  lines(): string[];
  /** make these hosts' BMCs fail from now on */
  breakHosts(names: string[]): void;
}

export function scriptBmc(dir: string): ScriptBmc {
  fs.mkdirSync(dir, { recursive: true });
  const script = path.join(dir, "bmc.sh");
  const logFile = path.join(dir, "bmc.log");
  const broken = path.join(dir, "broken");
  fs.writeFileSync(
    script,
    `#!/bin/sh\nif [ -f ${JSON.stringify(broken)} ] && grep -qx "$AFSBOOT_HOST" ${JSON.stringify(broken)}; then echo "no answer from the BMC of $AFSBOOT_HOST" >&2; exit 1; fi\necho "$AFSBOOT_HOST $AFSBOOT_ACTION" >> ${JSON.stringify(logFile)}\necho "cycled"\n`,
    { mode: 0o755 },
  );
  const one = (host: string) =>
    new Promise<PowerOutcome>((resolve) => {
      const started = Date.now();
      execFile(script, [], { env: { ...process.env, AFSBOOT_HOST: host, AFSBOOT_ACTION: "cycle" }, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ host, ok: !err, message: (err ? stderr || err.message : stdout).trim(), durationMs: Date.now() - started }),
      );
    });
  return {
    script,
    logFile,
    port: { cycle: (names) => Promise.all(names.map(one)) },
    lines: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").split("\n").filter(Boolean) : []),
    breakHosts: (names) => fs.appendFileSync(broken, names.map((n) => `${n}\n`).join("")),
  };
}
