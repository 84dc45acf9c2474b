import fs from "node:fs";
import path from "node:path";
import { POWER_DIR, ROOT, uid } from "../helpers";

// A fake PDU of its own for a test (e2e/power/fake-pdu.sh, copied into the e2e server's power
// directory under a unique name): the hosts' BMC through the command driver. Its log is the
// proof of what was asked of it.

export function fakePdu() {
  const name = `pdu-${uid()}`;
  const file = path.join(POWER_DIR, name);
  fs.mkdirSync(POWER_DIR, { recursive: true });
  fs.copyFileSync(path.join(ROOT, "e2e/power/fake-pdu.sh"), file);
  fs.chmodSync(file, 0o755);
  const log = () => (fs.existsSync(`${file}.log`) ? fs.readFileSync(`${file}.log`, "utf8") : "");
  return {
    name,
    /** the actions it was asked to do, "host action" (password length left out) */
    actions: () =>
      log()
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" ").slice(0, 2).join(" ")),
    log,
    failFor: (host: string) => {
      fs.mkdirSync(`${file}.d`, { recursive: true });
      fs.writeFileSync(`${file}.d/${host}.fail`, "");
    },
  };
}
