import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import net from "node:net";
import { DISCOVERY_FIXTURE, FAILOVER_FIXTURE, FIXTURE, HOOK_FIXTURE } from "../fixtures";
import { LAYOUT, type FleetSnapshot } from "../snapshot";
import { arbFleet } from "./arbitraries.test";
import { DEFAULT_KEA_HOOKS_DIR, dhcpFiles, generateDhcpd, generateDnsmasqConf, generateDnsmasqHosts, generateKea } from "./index";

// The generated files checked by the daemons themselves (ISC dhcpd 4.4, kea-dhcp4 2.2, dnsmasq
// 2.90): each exits 0 on a good file and non-zero, naming the line, on a bad one. Negative
// controls prove that the harness can fail.

const DHCPD = "/usr/sbin/dhcpd";
const KEA = "/usr/sbin/kea-dhcp4";
const DNSMASQ = "/usr/sbin/dnsmasq";
const missing = [DHCPD, KEA, DNSMASQ].filter((b) => !fs.existsSync(b));
/** kea-dhcp4 -t loads the hook libraries a config names (Debian: package kea-common). */
const RUN_SCRIPT = `${DEFAULT_KEA_HOOKS_DIR}/libdhcp_run_script.so`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-dhcp-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let seq = 0;

interface Verdict {
  ok: boolean;
  output: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Verdict {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000, env: { ...process.env, ...env } });
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

function write(name: string, content: string): string {
  const dir = path.join(tmp, String(++seq));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** -lf/-pf into the temp dir: dhcpd -t names them even though a check does not write them. */
function checkDhcpd(content: string): Verdict {
  const file = write("dhcpd.conf", content);
  return run(DHCPD, ["-4", "-t", "-cf", file, "-lf", `${file}.leases`, "-pf", `${file}.pid`]);
}

/** Lock and pid files into the temp dir, not /run/kea. */
function checkKea(content: string): Verdict {
  const file = write("kea-dhcp4.json", content);
  return run(KEA, ["-t", file], { KEA_LOCKFILE_DIR: path.dirname(file), KEA_PIDFILE_DIR: path.dirname(file) });
}

/**
 * `dnsmasq --test` does not read dhcp-hostsfile (a missing or broken hosts file passes), so the
 * hosts file is checked as what it is: dhcp-host options without the "dhcp-host=" prefix.
 */
function checkDnsmasq(conf: string, hosts: string): Verdict {
  const file = write("dnsmasq.conf", conf);
  const withHosts = write(
    "dnsmasq-with-hosts.conf",
    [
      `conf-file=${file}`,
      ...hosts
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => `dhcp-host=${l}`),
      "",
    ].join("\n"),
  );
  const a = run(DNSMASQ, ["--test", `--conf-file=${file}`]);
  const b = run(DNSMASQ, ["--test", `--conf-file=${withHosts}`]);
  return { ok: a.ok && b.ok, output: a.output + b.output };
}

/** Every network of a snapshot, in all three dialects; the dnsmasq hosts file is written where the conf names it. */
function checkAll(snap: FleetSnapshot): { what: string; verdict: Verdict }[] {
  const exportDir = path.join(tmp, `export-${++seq}`);
  const out: { what: string; verdict: Verdict }[] = [];
  for (const n of snap.networks) {
    const hosts = generateDnsmasqHosts(snap, n.name);
    fs.mkdirSync(path.join(exportDir, "dhcp"), { recursive: true });
    fs.writeFileSync(path.join(exportDir, LAYOUT.dnsmasqHosts(n.name)), hosts);
    out.push({ what: `dhcpd ${n.name}`, verdict: checkDhcpd(generateDhcpd(snap, n.name)) });
    out.push({ what: `kea ${n.name}`, verdict: checkKea(generateKea(snap, n.name)) });
    out.push({ what: `dnsmasq ${n.name}`, verdict: checkDnsmasq(generateDnsmasqConf(snap, n.name, { exportDir }), hosts) });
  }
  return out;
}

function expectAccepted(results: { what: string; verdict: Verdict }[]) {
  for (const r of results) expect(r.verdict.ok, `${r.what} rejected it:\n${r.verdict.output}`).toBe(true);
}

describe.skipIf(missing.length > 0)(`the real daemons (${missing.length ? `missing ${missing.join(", ")}` : "dhcpd, kea-dhcp4, dnsmasq"})`, () => {
  it("accept the FIXTURE files of every network", () => {
    expectAccepted(checkAll(FIXTURE));
  });

  it("accept the DISCOVERY_FIXTURE files (networks with a discovery range) of every network", () => {
    expectAccepted(checkAll(DISCOVERY_FIXTURE));
  });

  describe.skipIf(!fs.existsSync(RUN_SCRIPT))(`with the DHCP event hook (Kea loads ${RUN_SCRIPT})`, () => {
    it("accept the HOOK_FIXTURE files of every network (the scripts need not exist where the check runs)", () => {
      expect(HOOK_FIXTURE.networks.every((n) => n.dhcpEventHook && !fs.existsSync(n.dhcpEventHook))).toBe(true);
      expectAccepted(checkAll(HOOK_FIXTURE));
    });

    it("accept the hook scripts/hooks/afsboot-dhcp-event of this repository, where it lies", () => {
      const hook = path.resolve("scripts/hooks/afsboot-dhcp-event");
      const snap: FleetSnapshot = { ...HOOK_FIXTURE, networks: HOOK_FIXTURE.networks.map((n) => ({ ...n, dhcpEventHook: hook })) };
      expectAccepted(checkAll(snap));
    });

    it("kea-dhcp4 refuses a hooks directory without the run_script library: the check does load it", () => {
      const v = checkKea(generateKea(HOOK_FIXTURE, "lab-hook", { keaHooksDir: path.join(tmp, "no-kea-hooks") }));
      expect(v.ok).toBe(false);
      expect(v.output).toMatch(/libdhcp_run_script\.so/);
    });
  });

  it("dhcpd accepts the files of several networks included into one dhcpd.conf", () => {
    const parts = dhcpFiles(FIXTURE).filter((f) => f.path.startsWith("dhcp/dhcpd-"));
    const main = parts.map((f) => `include "${write(path.basename(f.path), f.content)}";`).join("\n");
    const v = checkDhcpd(`${main}\n`);
    expect(v.ok, v.output).toBe(true);
  });

  it("dhcpd accepts a network with a range and one without included together", () => {
    const lab = write("dhcpd-lab.conf", generateDhcpd(FIXTURE, "lab"));
    const render = write("dhcpd-render-discovery.conf", generateDhcpd(DISCOVERY_FIXTURE, "render-discovery"));
    const v = checkDhcpd(`include "${lab}";\ninclude "${render}";\n`);
    expect(v.ok, v.output).toBe(true);
  });

  describe("negative controls: the harness sees a broken file", () => {
    it("dhcpd", () => {
      const good = generateDhcpd(FIXTURE, "lab");
      expect(checkDhcpd(good).ok).toBe(true);
      expect(checkDhcpd(good.replace("fixed-address 10.0.0.11;", "fixed-address 10.0.0.11")).ok).toBe(false);
      expect(checkDhcpd(good.replace('option root-path "afs:', 'option root-path afs:"')).ok).toBe(false);
    });

    it("kea-dhcp4, syntax and meaning", () => {
      const good = JSON.parse(generateKea(FIXTURE, "lab"));
      expect(checkKea(JSON.stringify(good)).ok).toBe(true);
      expect(checkKea(JSON.stringify(good).slice(0, -2)).ok).toBe(false);
      const dup = structuredClone(good);
      dup.Dhcp4.subnet4[0].reservations[1]["ip-address"] = dup.Dhcp4.subnet4[0].reservations[0]["ip-address"];
      const v = checkKea(JSON.stringify(dup));
      expect(v.ok).toBe(false);
      expect(v.output).toMatch(/10\.0\.0\.11/);
      const outside = structuredClone(good);
      outside.Dhcp4.subnet4[0].reservations[0]["ip-address"] = "10.9.9.9";
      expect(checkKea(JSON.stringify(outside)).ok).toBe(false);
      const ranged = JSON.parse(generateKea(DISCOVERY_FIXTURE, "lab-discovery"));
      expect(checkKea(JSON.stringify(ranged)).ok).toBe(true);
      ranged.Dhcp4.subnet4[0].pools[0].pool = "10.0.1.200 - 10.0.1.220";
      expect(checkKea(JSON.stringify(ranged)).ok).toBe(false);
    });

    it("dhcpd, a pool", () => {
      const good = generateDhcpd(DISCOVERY_FIXTURE, "lab-discovery");
      expect(checkDhcpd(good).ok).toBe(true);
      expect(checkDhcpd(good.replace("range 10.0.0.200 10.0.0.220;", "range 10.0.1.200 10.0.1.220;")).ok).toBe(false);
    });

    it("dnsmasq, conf and hosts file", () => {
      const conf = generateDnsmasqConf(FIXTURE, "lab", { exportDir: tmp });
      const hosts = generateDnsmasqHosts(FIXTURE, "lab");
      expect(checkDnsmasq(conf, hosts).ok).toBe(true);
      expect(checkDnsmasq(conf.replace(",static,", ",statik,"), hosts).ok).toBe(false);
      expect(checkDnsmasq(`${conf}dhcp-boot\n`, hosts).ok).toBe(false);
      expect(checkDnsmasq(conf, hosts.replace("52:54:00:12:34:56", "52:54:00:12:34:56:zz")).ok).toBe(false);
      // what --test alone would miss: it never opens the hosts file
      expect(run(DNSMASQ, ["--test", `--conf-file=${write("d.conf", conf.replace(/^dhcp-hostsfile=.*$/m, "dhcp-hostsfile=/nonexistent/x.hosts"))}`]).ok).toBe(
        true,
      );
    });
  });

  describe.skipIf(!fs.existsSync(RUN_SCRIPT))("several boot servers per network (FAILOVER_FIXTURE: per-server files)", () => {
    const exportDir = path.join(tmp, "export-failover");
    const files = dhcpFiles(FAILOVER_FIXTURE, { exportDir });
    const byPath = new Map(files.map((f) => [f.path, f.content]));
    // each server's dnsmasq conf names the hosts file in its own copy of the export: put it there
    for (const f of files.filter((x) => x.path.endsWith(".hosts"))) {
      for (const dir of [exportDir, "/srv/afsboot/current"].filter((d) => d === exportDir)) {
        fs.mkdirSync(path.join(dir, "dhcp"), { recursive: true });
        fs.writeFileSync(path.join(dir, f.path), f.content);
      }
    }

    it("every server's dhcpd, Kea and dnsmasq file is accepted by its daemon", () => {
      const perServer = files.filter((f) => /^dhcp\/[^/]+\//.test(f.path));
      expect(perServer.length).toBe(5 * 2 + 5); // dhcpd + dnsmasq per (network, server), Kea per server
      for (const f of perServer) {
        const network = /-(lab-ha|render-ha)\.conf$/.exec(f.path)?.[1];
        const verdict = f.path.endsWith(".json")
          ? checkKea(f.content)
          : f.path.includes("/dhcpd-")
            ? checkDhcpd(f.content)
            : checkDnsmasq(
                f.content.replace(/^dhcp-hostsfile=.*$/m, `dhcp-hostsfile=${exportDir}/dhcp/dnsmasq-${network}.hosts`),
                byPath.get(`dhcp/dnsmasq-${network}.hosts`)!,
              );
        expect(verdict.ok, `${f.path}:\n${verdict.output}`).toBe(true);
      }
    });

    it("the two dhcpd peers declare one failover relationship, primary and secondary, and only they serve the pool", () => {
      const one = byPath.get(LAYOUT.serverDhcpd("boot1", "lab-ha"))!;
      const two = byPath.get(LAYOUT.serverDhcpd("boot2", "lab-ha"))!;
      expect(one).toMatch(/failover peer "afsboot-lab-ha" \{\n  primary;\n  address 10\.0\.0\.2;[^}]*peer address 10\.0\.0\.3;[^}]*split 255;/);
      expect(two).toMatch(/failover peer "afsboot-lab-ha" \{\n  secondary;\n  address 10\.0\.0\.3;[^}]*peer address 10\.0\.0\.2;/);
      expect(two).not.toMatch(/split|mclt/);
      for (const f of [one, two])
        expect(f).toMatch(/pool \{\n    failover peer "afsboot-lab-ha";\n    deny dynamic bootp clients;\n    range 10\.0\.0\.200 10\.0\.0\.220;/);
      // load balancing splits the pool; a third server has no pool (reservations only)
      expect(byPath.get(LAYOUT.serverDhcpd("rboot1", "render-ha"))).toMatch(/failover peer "afsboot-render-ha" \{\n  primary;[^}]*split 128;/);
      expect(byPath.get(LAYOUT.serverDhcpd("rboot2", "render-ha"))).toMatch(/^\s*failover peer "afsboot-render-ha";$/m);
      expect(byPath.get(LAYOUT.serverDhcpd("rboot3", "render-ha"))).not.toMatch(/^\s*(pool \{|failover peer)/m);
      // each server names itself as next-server and its own HTTP base
      expect(one).toMatch(/next-server 10\.0\.0\.2;/);
      expect(two).toMatch(/next-server 10\.0\.0\.3;/);
      expect(two).not.toMatch(/next-server 10\.0\.0\.2;/);
    });

    it("dnsmasq servers share the reservations and split the discovery range into disjoint slices", () => {
      const one = byPath.get(LAYOUT.serverDnsmasqConf("boot1", "lab-ha"))!;
      const two = byPath.get(LAYOUT.serverDnsmasqConf("boot2", "lab-ha"))!;
      expect(one).toContain("dhcp-range=set:net-lab-ha,10.0.0.200,10.0.0.209,255.255.255.0,600");
      expect(two).toContain("dhcp-range=set:net-lab-ha,10.0.0.210,10.0.0.220,255.255.255.0,600");
      for (const f of [one, two]) expect(f).toContain("dhcp-hostsfile=/srv/afsboot/current/dhcp/dnsmasq-lab-ha.hosts");
    });

    it("dhcpd refuses a pool naming a failover peer it has not declared (the check reads the failover)", () => {
      const one = byPath.get(LAYOUT.serverDhcpd("boot1", "lab-ha"))!;
      expect(checkDhcpd(one.replace('    failover peer "afsboot-lab-ha";', '    failover peer "nobody";')).ok).toBe(false);
    });

    /** A free TCP port on 127.0.0.1. */
    const freePort = () =>
      new Promise<number>((resolve) => {
        const srv = net.createServer().listen(0, "127.0.0.1", () => {
          const port = (srv.address() as net.AddressInfo).port;
          srv.close(() => resolve(port));
        });
      });

    /**
     * kea-dhcp4 -t does not run the hook libraries' load functions, so it never reads the HA
     * parameters: start the server for real (no interfaces, peers on loopback) and wait for it to
     * say it started, or to exit. Resolves with the exit or "started" and the log.
     */
    async function startKea(config: string): Promise<{ started: boolean; output: string }> {
      const dir = fs.mkdtempSync(path.join(tmp, "kea-run-"));
      const [a, b] = [await freePort(), await freePort()];
      const json = JSON.parse(config);
      json.Dhcp4["interfaces-config"].interfaces = [];
      const ha = json.Dhcp4["hooks-libraries"].find((l: { library: string }) => l.library.endsWith("libdhcp_ha.so")).parameters["high-availability"][0];
      ha.peers.forEach((p: { url: string }, i: number) => (p.url = `http://127.0.0.1:${i === 0 ? a : b}/`));
      // this server listens on its own peer URL
      const self = ha.peers.findIndex((p: { name: string }) => p.name === ha["this-server-name"]);
      if (self > 0) [ha.peers[0].url, ha.peers[self].url] = [ha.peers[self].url, ha.peers[0].url];
      json.Dhcp4["lease-database"] = { type: "memfile", persist: false };
      // started for real, run_script wants its script to exist: this repository's hook
      for (const l of json.Dhcp4["hooks-libraries"])
        if (l.library.endsWith("libdhcp_run_script.so")) l.parameters.name = path.resolve("scripts/hooks/afsboot-dhcp-event");
      const file = path.join(dir, "kea.json");
      fs.writeFileSync(file, JSON.stringify(json));
      const child = spawn(KEA, ["-c", file, "-p", String(await freePort())], {
        env: { ...process.env, KEA_LOCKFILE_DIR: dir, KEA_PIDFILE_DIR: dir },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 60_000); // a hang is a failure, not a pass
        const seen = (chunk: Buffer) => {
          output += chunk.toString();
          if (/DHCP4_STARTED/.test(output)) {
            clearTimeout(timer);
            child.kill("SIGTERM");
          }
        };
        child.stdout.on("data", seen);
        child.stderr.on("data", seen);
        child.on("close", () => {
          clearTimeout(timer);
          resolve({ started: /DHCP4_STARTED/.test(output), output });
        });
      });
    }

    it("Kea starts with each server's HA hook parameters, and refuses a server the relationship does not name (negative control)", async () => {
      for (const server of ["boot1", "boot2", "rboot1", "rboot2", "rboot3"]) {
        const r = await startKea(byPath.get(LAYOUT.serverKea(server))!);
        expect(r.started, `${server}:\n${r.output.slice(-3000)}`).toBe(true);
        expect(r.output).toMatch(/HA_/);
      }
      const bad = JSON.parse(byPath.get(LAYOUT.serverKea("boot1"))!);
      bad.Dhcp4["hooks-libraries"].find((l: { library: string }) => l.library.endsWith("libdhcp_ha.so")).parameters["high-availability"][0][
        "this-server-name"
      ] = "boot9";
      const r = await startKea(JSON.stringify(bad));
      expect(r.started).toBe(false);
      expect(r.output).toMatch(/boot9/);
    }, 120_000);
  });

  it("accept every arbitrary valid fleet (property, 15 runs)", () => {
    fc.assert(
      fc.property(arbFleet(6), (snap) => {
        expectAccepted(checkAll(snap));
      }),
      { numRuns: 15 },
    );
  }, 60_000);
});
