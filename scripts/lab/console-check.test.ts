import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

interface AllowEntry {
  source: string;
  re: RegExp;
  reason: string;
}
interface ConsoleCheckModule {
  parseAllow(text: string): AllowEntry[];
  cleanLines(text: string): string[];
  checkConsole(
    text: string,
    allow: AllowEntry[],
  ): { trouble: number; allowed: { source: string; count: number }[]; unexplained: { line: number; text: string }[] };
}
const { checkConsole, cleanLines, parseAllow } = (await import(pathToFileURL(path.resolve("scripts/lab/console-check.mjs")).href)) as ConsoleCheckModule;

// The boot lab's "does it look normal" check of a guest's serial console.
const allowFile = fs.readFileSync(path.resolve("scripts/lab/console-allow.txt"), "utf8");

describe("console-check", () => {
  it("counts the lines a person reads as trouble, and only those", () => {
    const log = [
      "[    0.000000] Command line: console=tty0 panic=60 afsboot.onfail=halt",
      '[    0.9] PCI: Using host bridge windows from ACPI; if necessary, use "pci=nocrs" and report a bug',
      "[    1.3] AMD-Vi: AMD IOMMUv2 functionality not available on this system - This is not a bug.",
      "[  OK  ] Started systemd-logind.service - User Login Management.",
      "[FAILED] Failed to start kmod-static-nodes.service - Create List of Static Device Nodes.",
      "[    9.9] systemd[1]: kmod-static-nodes.service: Failed with result 'exit-code'.",
      "[   12.0] BUG: kernel NULL pointer dereference, address: 0000000000000000",
      "[   12.1] Call Trace:",
      "[   13.0] kAFS: Volume 536870940 'rel.debian12' is offline: error -110",
      "WARNING: CPU: 0 PID: 1 at fs/afs/x.c:10",
      "udhcpc: sending discover; request timed out",
      "lab003 login: afsboot-lab-check: state=running failed=none",
    ].join("\r\n");
    const r = checkConsole(log, []);
    expect(r.trouble).toBe(7);
    expect(r.unexplained.map((u) => u.line)).toEqual([5, 6, 7, 8, 9, 10, 11]);
  });

  it("strips colours and carriage returns before it looks, and allows only what the list explains", () => {
    expect(cleanLines("\x1b[0;1;31mFAILED\x1b[0m x\r\n\x1b[K[  OK  ]")).toEqual(["FAILED x", "[  OK  ]"]);
    const allow = parseAllow("# comment\n\nsd-umount.*Failed to unmount /usr\tsystemd-shutdown runs from /usr\n");
    const r = checkConsole("(sd-umount)[445]: Failed to unmount /usr: Device or resource busy\nFailed to mount /var\n", allow);
    expect(r).toMatchObject({
      trouble: 2,
      allowed: [{ source: "sd-umount.*Failed to unmount /usr", count: 1 }],
      unexplained: [{ line: 2, text: "Failed to mount /var" }],
    });
    expect(() => parseAllow("no tab here\n")).toThrow(/REGEX<TAB>reason/);
    expect(() => parseAllow("x\t \n")).toThrow(/REGEX<TAB>reason/); // a tab with nothing after it
  });

  it("the lab's allow list parses, and docs/lab.md lists each entry with its reason", () => {
    const entries = parseAllow(allowFile);
    expect(entries.length).toBeGreaterThan(0);
    const doc = fs.readFileSync(path.resolve("docs/lab.md"), "utf8");
    for (const e of entries) {
      expect(doc, `docs/lab.md does not list the allow-list entry ${e.source}`).toContain(`\`${e.source}\``);
      expect(doc, `docs/lab.md does not give the reason for ${e.source}`).toContain(e.reason);
    }
  });
});
