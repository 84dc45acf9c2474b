import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// `afsboot apply` / `afsboot export fleet`: the contract scripts and admins' git repos rely on.
const bin = path.resolve("bin/afsboot.mjs");
const run = (args: string[], input = "", env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { input, encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-fleet-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

const FLEET = `networks:
  - { name: lab, subnet: 10.0.0.0/24, gateway: 10.0.0.1, dns: [10.0.0.1], bootServer: 10.0.0.1, reportUrl: "http://10.0.0.1:3000" }
cells:
  - name: example.org
    client: kafs
    servers: [{ name: afsdb1.example.org, ip: 10.0.0.5 }]
    bootRoot: /afs/example.org/boot
    cache: { memcache: true, blocks: 65536 }
releases:
  - name: rh-7.3
    tree: /afs/example.org/boot/RH/7.3
    versions:
      - { version: "1", kernel: vmlinuz, baseInitrd: initrd.img, modules: [e1000], readonly: [usr], writable: [etc], tmpfsSize: 90M }
hosts:
  - { name: node001, mac: "52:54:00:12:34:56", ip: 10.0.0.11, cell: example.org, release: rh-7.3, tags: [render] }
`;

// each CLI run starts node + tsx (about a second; more on a loaded machine)
describe("afsboot apply / export fleet", { timeout: 180_000 }, () => {
  it("applies, prints what changed, and is idempotent; export → apply is a no-op", () => {
    const first = run(["apply", write("fleet.yaml", FLEET)]);
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(
      ["+ network lab", "+ cell example.org", "+ release rh-7.3", "+ version rh-7.3@1 (active)", "+ host node001", "5 created, 0 updated, 0 deleted.", ""].join(
        "\n",
      ),
    );
    expect(run(["apply", path.join(dir, "fleet.yaml")]).stdout.trim()).toBe("No changes.");
    const exported = run(["export", "fleet"]);
    expect(exported.status).toBe(0);
    const again = run(["apply", write("export.yaml", exported.stdout)]);
    expect(again.stdout.trim()).toBe("No changes.");
    const json = run(["export", "fleet", "--json"]);
    expect(run(["apply", "-"], json.stdout).stdout.trim()).toBe("No changes.");
  });

  it("refuses a bad file with line and column, exit 1, nothing changed", () => {
    const r = run(["apply", write("bad.yaml", FLEET.replace("tags: [render]", "tags: [render], colour: red").replace("ip: 10.0.0.11", "ip: 10.0.0.311"))]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/line 15, column \d+, hosts\[0\]\.ip: IP must be an IPv4 address/);
    expect(r.stderr).toMatch(/hosts\[0\]\.colour: unknown key "colour"/);
    // zod's own messages, in English (the bundle keeps zod's English locale alone: scripts/build-cli.mjs)
    const typed = run(["apply", write("typed.yaml", FLEET.replace("name: node001", "name: 5"))]);
    expect(typed.stderr).toMatch(/line 15, column \d+, hosts\[0\]\.name: Invalid input: expected string, received number/);
    const syntax = run(["apply", write("syntax.yaml", "hosts:\n  - name: [\n")]);
    expect(syntax.status).toBe(1);
    expect(syntax.stderr).toMatch(/line \d+, column \d+: YAML syntax error/);
    expect(run(["apply", path.join(dir, "missing.yaml")]).stderr).toMatch(/cannot read/);
    expect(run(["export", "fleet"]).stdout).toContain("tags:\n      - render");
  });

  it("a network's discovery range: applied, exported, refused with its line or the hosts in it", () => {
    const ranged = FLEET.replace('reportUrl: "http://10.0.0.1:3000" }', 'reportUrl: "http://10.0.0.1:3000", discoveryRange: 10.0.0.200-10.0.0.220 }');
    expect(run(["apply", write("ranged.yaml", ranged)]).stdout).toContain("~ network lab (discoveryRange)");
    const exported = run(["export", "fleet"]).stdout;
    expect(exported).toContain("discoveryRange: 10.0.0.200-10.0.0.220");
    expect(run(["apply", write("ranged-export.yaml", exported)]).stdout.trim()).toBe("No changes.");
    const backwards = run(["apply", write("backwards.yaml", ranged.replace("10.0.0.200-10.0.0.220", "10.0.0.220-10.0.0.200"))]);
    expect(backwards.status).toBe(1);
    expect(backwards.stderr).toMatch(/line 2, column \d+, networks\[0\]\.discoveryRange: Discovery range 10\.0\.0\.220-10\.0\.0\.200 starts after it ends/);
    const overHost = run(["apply", write("over-host.yaml", ranged.replace("10.0.0.200-10.0.0.220", "10.0.0.10-10.0.0.20"))]);
    expect(overHost.status).toBe(1);
    expect(overHost.stderr).toContain("hosts[0].ip: IP 10.0.0.11 lies in the discovery range 10.0.0.10-10.0.0.20 of network lab");
    expect(run(["export", "fleet"]).stdout).toContain("discoveryRange: 10.0.0.200-10.0.0.220");
    expect(run(["apply", write("unranged.yaml", FLEET)]).stdout).toContain("~ network lab (discoveryRange)");
  });

  it("a network's DHCP event hook: applied, exported, wired into the dnsmasq, Kea and dhcpd configs, refused with its line", () => {
    const HOOK = "/usr/local/sbin/afsboot-dhcp-event";
    const hooked = FLEET.replace('reportUrl: "http://10.0.0.1:3000" }', `reportUrl: "http://10.0.0.1:3000", dhcpEventHook: ${HOOK} }`);
    expect(run(["apply", write("hooked.yaml", hooked)]).stdout).toContain("~ network lab (dhcpEventHook)");
    const exported = run(["export", "fleet"]).stdout;
    expect(exported).toContain(`dhcpEventHook: ${HOOK}`);
    expect(run(["apply", write("hooked-export.yaml", exported)]).stdout.trim()).toBe("No changes.");
    expect(run(["export", "dnsmasq"]).stdout).toContain(`\ndhcp-script=${HOOK}\n`);
    expect(run(["export", "dhcpd"]).stdout).toContain(`execute("${HOOK}", "dhcpd-commit", `);
    const hooks = (env: Record<string, string> = {}) => JSON.parse(run(["export", "kea", "--network", "lab"], "", env).stdout).Dhcp4["hooks-libraries"];
    expect(hooks()).toEqual([{ library: "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_run_script.so", parameters: { name: HOOK, sync: false } }]);
    expect(hooks({ AFSBOOT_KEA_HOOKS_DIR: "/usr/lib64/kea/hooks/" })[0].library).toBe("/usr/lib64/kea/hooks/libdhcp_run_script.so");
    const badDir = run(["export", "kea", "--network", "lab"], "", { AFSBOOT_KEA_HOOKS_DIR: "lib64/kea hooks" });
    expect(badDir.status).toBe(1);
    expect(badDir.stderr).toContain("AFSBOOT_KEA_HOOKS_DIR: must be an absolute path");
    const relative = run(["apply", write("relative.yaml", hooked.replace(HOOK, "afsboot-dhcp-event"))]);
    expect(relative.status).toBe(1);
    expect(relative.stderr).toMatch(/line 2, column \d+, networks\[0\]\.dhcpEventHook: DHCP event hook must be an absolute path on the DHCP server/);
    expect(run(["apply", write("unhooked.yaml", FLEET)]).stdout).toContain("~ network lab (dhcpEventHook)");
    expect(run(["export", "dnsmasq"]).stdout).not.toContain("dhcp-script");
    expect(run(["export", "dhcpd"]).stdout).not.toContain("execute(");
  });

  it("removals need --prune; --dry-run changes nothing", () => {
    const noHosts = write("nohosts.yaml", FLEET.replace(/hosts:\n.*\n$/, ""));
    expect(run(["apply", noHosts]).stdout).toContain("= host node001 (not in the file; --prune deletes it)");
    expect(run(["apply", "--prune", "--dry-run", noHosts]).stdout).toContain("Dry run: nothing was changed.\n- host node001");
    expect(run(["export", "fleet"]).stdout).toContain("node001");
    expect(run(["apply", "--prune", noHosts]).stdout).toContain("- host node001");
    expect(run(["export", "fleet"]).stdout).not.toContain("node001");
  });

  it("--prune of a file that lists nothing deletes nothing unless --allow-empty says so", () => {
    for (const text of ["", "hosts: []\nnetworks: []\n"]) {
      const refused = run(["apply", "--prune", write("empty.yaml", text)]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(
        /(lists nothing: --prune would delete everything \(.*1 network\)\. Nothing changed\. If that is what you want, add --allow-empty|problem)/,
      );
      expect(run(["export", "fleet"]).stdout).toContain("name: lab");
    }
    const empty = write("empty.yaml", "hosts: []\n");
    expect(run(["apply", "--prune", "--dry-run", empty]).stdout).toContain("- network lab");
    expect(run(["apply", "--prune", "--allow-empty", empty]).stdout).toContain("- network lab");
    expect(run(["export", "fleet"]).stdout).not.toContain("name: lab");
  });
});
