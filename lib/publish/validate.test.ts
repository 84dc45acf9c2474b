import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { validateDhcp } from "./validate";

// The daemons' own checks, all from one shell (validate.ts): each verdict and each output is the
// right check's, a daemon's complaint reaches the admin, and a missing daemon is skipped.

const DAEMONS = ["/usr/sbin/dhcpd", "/usr/sbin/kea-dhcp4", "/usr/sbin/dnsmasq"];
const missing = DAEMONS.filter((b) => !fs.existsSync(b));
const file = (p: string, kind: "dhcpd" | "kea" | "dnsmasq", text: string) => ({ path: p, kind, bytes: Buffer.from(text) });
const GOOD_DHCPD = "authoritative;\nsubnet 10.9.0.0 netmask 255.255.255.0 {\n  option routers 10.9.0.1;\n}\n";
const GOOD_KEA = JSON.stringify({ Dhcp4: { "interfaces-config": { interfaces: [] }, subnet4: [{ id: 1, subnet: "10.9.0.0/24" }] } });
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe.skipIf(missing.length > 0)(
  `validateDhcp with the real daemons (${missing.length ? `missing ${missing.join(", ")}` : "dhcpd, kea-dhcp4, dnsmasq"})`,
  () => {
    it("gives each check its own verdict and output, and leaves no folder behind", async () => {
      const before = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("afsboot-validate-"));
      const r = await validateDhcp(
        [
          file("dhcp/dhcpd-a.conf", "dhcpd", GOOD_DHCPD),
          file("dhcp/dhcpd-b.conf", "dhcpd", "subnet 10.9.0.0 netmask 255.255.255.0 { garbage }\n"),
          file("dhcp/kea-dhcp4-a.json", "kea", GOOD_KEA),
          file("dhcp/kea-dhcp4-b.json", "kea", '{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "not a subnet"}]}}'),
        ],
        "/srv/afsboot",
      );
      expect(r.map((v) => `${v.file} ${v.status}`)).toEqual([
        "dhcp/dhcpd-a.conf passed",
        "dhcp/dhcpd-b.conf failed",
        "dhcp/kea-dhcp4-a.json passed",
        "dhcp/kea-dhcp4-b.json failed",
      ]);
      // dhcpd's complaint names the line, with the folder it was checked in hidden
      expect(r[1]!.output).toContain("semicolon expected");
      expect(r[1]!.output).toContain("<tmp>/dhcpd-b.conf line 1");
      expect(r[1]!.output).not.toContain(os.tmpdir());
      expect(r[3]!.output).toContain("Invalid subnet syntax");
      expect(r[3]!.output).toContain("<tmp>/kea-dhcp4-b.json");
      expect(r[2]!.output).not.toContain("Invalid subnet syntax");
      expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("afsboot-validate-"))).toEqual(before);
    });

    it("checks a dnsmasq configuration with its hosts file, found where the export directory's copy is named", async () => {
      const conf = (hosts: string) => file("dhcp/dnsmasq-a.conf", "dnsmasq", `dhcp-range=10.9.0.10,10.9.0.99\ndhcp-hostsfile=${hosts}\n`);
      const ok = await validateDhcp(
        [conf("/srv/afsboot/dhcp/dnsmasq-a.hosts"), file("dhcp/dnsmasq-a.hosts", "dnsmasq", "52:54:00:00:00:01,10.9.0.20,n1\n")],
        "/srv/afsboot/",
      );
      expect(ok.map((v) => `${v.validator} ${v.status}`)).toEqual(["dnsmasq passed"]);
      const bad = await validateDhcp([file("dhcp/dnsmasq-a.conf", "dnsmasq", "dhcp-range=10.9.0.10,10.9.0.99\nno-such-option\n")], "/srv/afsboot");
      expect(bad[0]).toMatchObject({ status: "failed", output: expect.stringContaining("line 2 of <tmp>/dnsmasq-a.conf") });
    });

    it("skips a daemon that is not installed, and never calls it passed", async () => {
      process.env.AFSBOOT_KEA_DHCP4 = "/nonexistent/kea-dhcp4";
      const r = await validateDhcp([file("dhcp/kea-dhcp4-a.json", "kea", GOOD_KEA), file("dhcp/dhcpd-a.conf", "dhcpd", GOOD_DHCPD)], "/srv/afsboot");
      expect(r.map((v) => `${v.validator} ${v.status}`)).toEqual(["kea skipped", "dhcpd passed"]);
      expect(r[0]!.output).toBe("/nonexistent/kea-dhcp4 is not installed");
    });

    it("fails a check whose program cannot run at all", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-validate-test-"));
      try {
        const notAProgram = path.join(dir, "dhcpd");
        fs.writeFileSync(notAProgram, "not a program", { mode: 0o644 });
        process.env.AFSBOOT_DHCPD = notAProgram;
        const r = await validateDhcp([file("dhcp/dhcpd-a.conf", "dhcpd", GOOD_DHCPD)], "/srv/afsboot");
        expect(r[0]).toMatchObject({ validator: "dhcpd", status: "failed", output: expect.stringContaining("the check could not run: exit status 126") });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
