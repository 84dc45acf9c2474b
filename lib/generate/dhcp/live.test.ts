import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE } from "../fixtures";
import { LAYOUT, type FleetSnapshot } from "../snapshot";
import { dhcpFiles, generateDhcpd, generateDnsmasqConf, generateDnsmasqHosts, generateKea } from "./index";

// Opt-in (AFSBOOT_DHCP_LIVE=1, root, iproute2, busybox): each daemon serves the generated config
// inside a private network namespace (a veth pair, no link to the host, per docs LAB safety rules)
// and busybox udhcpc asks as BIOS PXE, UEFI PXE, UEFI HTTP boot, iPXE and an unknown machine, for a
// host with UEFI Secure Boot (shim over PXE, no boot answer to HTTP boot) and one without (iPXE).
// This is what showed that a syntax check is not enough: Kea truncates option data at a comma,
// dnsmasq reads a bare host name "ignore" as "never answer". With a discovery range, each also
// serves a machine that is not enrolled from the range, for a short lease, while enrolled hosts
// keep theirs. With a DHCP event hook, dnsmasq, Kea and dhcpd run the repository's hook script on
// leases. A boot server's own files (a network with several) hand out that server's URLs. Takes
// about 70 s.

const LIVE = process.env.AFSBOOT_DHCP_LIVE === "1" && process.getuid?.() === 0 && fs.existsSync("/usr/bin/busybox");
const NS = `afsbdhcp${process.pid}`;
let tmp = "";
const script = () => path.join(tmp, "udhcpc.sh");

const TREE = "/afs/example.org/boot/a,b%c=d+e@f:g";
const NODE = { name: "node001", mac: "52:54:00:aa:00:01", ip: "10.99.0.11" };
/** A host with UEFI Secure Boot: shim for its UEFI firmware PXE, no boot answer to its UEFI HTTP boot. */
const SB = { name: "sb001", mac: "52:54:00:aa:00:05", ip: "10.99.0.15", secureBoot: true };
const SNAP: FleetSnapshot = {
  ...FIXTURE,
  networks: [
    {
      name: "live",
      subnet: "10.99.0.0/24",
      gateway: "10.99.0.1",
      dns: ["10.99.0.53"],
      domain: "live.example.org",
      bootServer: "10.99.0.9",
      reportUrl: "http://10.99.0.9:3000",
    },
  ],
  versions: [{ ...FIXTURE.versions[0]!, tree: TREE }],
  hosts: [NODE, { name: "123", mac: "52:54:00:aa:00:02", ip: "10.99.0.12" }, { name: "ignore", mac: "52:54:00:aa:00:03", ip: "10.99.0.13" }, SB].map((h) => ({
    ...FIXTURE.hosts[0]!,
    ...h,
    network: "live",
    release: FIXTURE.versions[0]!.release,
    version: FIXTURE.versions[0]!.version,
  })),
};

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

/** One DHCP exchange from the client end; the lease's values, or null when no server answered. */
function ask(mac: string, extra: string[] = []): Record<string, string> | null {
  sh("ip", ["-n", NS, "link", "set", "cli", "address", mac]);
  const r = spawnSync(
    "ip",
    ["netns", "exec", NS, "busybox", "udhcpc", "-f", "-q", "-n", "-t", "3", "-T", "1", "-i", "cli", "-s", script(), "-O", "rootpath", ...extra],
    { encoding: "utf8", timeout: 15_000 },
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith("LEASE "));
  return line
    ? Object.fromEntries(
        line
          .slice(6)
          .split("\t")
          .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
      )
    : null;
}

const ARCH = (n: number) => ["-x", `0x5d:${n.toString(16).padStart(4, "0")}`];
const IPXE_USERCLASS = ["-x", "0x4d:69505845"]; // "iPXE", raw as iPXE sends it
const IPXE_175 = ["-x", "0xaf:150101"];
/** UEFI HTTP boot as OVMF asks: architecture 16 and this vendor class. */
const HTTP_BOOT = [...ARCH(16), "-V", "HTTPClient:Arch:00016:UNDI:003000"];

let daemon: ChildProcess | null = null;
let logFile = "";
/** The daemon's output goes to a file: the test blocks in spawnSync, and a full pipe would stall Kea's logging. */
const log = () => (logFile && fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");

async function start(cmd: string, args: string[], ready: RegExp, env: Record<string, string> = {}) {
  logFile = path.join(tmp, `${path.basename(cmd)}.log`);
  const fd = fs.openSync(logFile, "w");
  daemon = spawn("ip", ["netns", "exec", NS, cmd, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  await until(() => ready.test(log()), `${cmd} to start`);
}

/**
 * Waits for what a daemon does in its own time (starting, running a hook, re-reading a file), by
 * looking every 50 ms; the bound only turns a hang into a clear failure, it is no expected duration.
 */
async function until(done: () => boolean, what: string, ms = 60_000) {
  for (const end = Date.now() + ms; !done(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > end) throw new Error(`waited ${ms / 1000} s for ${what}:\n${log()}`);
  }
}

async function stop() {
  const d = daemon;
  daemon = null;
  if (!d || d.exitCode !== null) return;
  const exited = new Promise((r) => d.once("exit", r));
  d.kill("SIGTERM");
  await exited;
}

describe.skipIf(!LIVE)("live DHCP exchanges in a network namespace", () => {
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-dhcp-live-"));
    fs.writeFileSync(
      script(),
      '#!/bin/sh\n[ "$1" = bound ] && printf "LEASE ip=%s\\tsiaddr=%s\\tfile=%s\\thostname=%s\\trootpath=%s\\trouter=%s\\tdns=%s\\tdomain=%s\\tlease=%s\\tvendor=%s\\n" "$ip" "$siaddr" "$boot_file" "$hostname" "$rootpath" "$router" "$dns" "$domain" "$lease" "${vendor:-}"\nexit 0\n',
      { mode: 0o755 },
    );
    sh("ip", ["netns", "add", NS]);
    sh("ip", ["-n", NS, "link", "add", "srv", "type", "veth", "peer", "name", "cli"]);
    sh("ip", ["-n", NS, "addr", "add", "10.99.0.1/24", "dev", "srv"]);
    for (const dev of ["lo", "srv", "cli"]) sh("ip", ["-n", NS, "link", "set", dev, "up"]);
    fs.mkdirSync(path.join(tmp, "dhcp"));
    fs.writeFileSync(path.join(tmp, LAYOUT.dnsmasqHosts("live")), generateDnsmasqHosts(SNAP, "live"));
  });
  afterAll(async () => {
    await stop();
    spawnSync("ip", ["netns", "del", NS]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function file(name: string, content: string) {
    fs.writeFileSync(path.join(tmp, name), content);
    return path.join(tmp, name);
  }

  /** Starts a daemon in the namespace on a generated config (its lease and pid files in the temp directory). */
  const serve = {
    dhcpd: (conf: string) =>
      start(
        "/usr/sbin/dhcpd",
        ["-4", "-f", "-cf", file("dhcpd.conf", conf), "-lf", file("dhcpd.leases", ""), "-pf", path.join(tmp, "dhcpd.pid"), "srv"],
        /Sending on/,
      ),
    kea: (json: string) => start("/usr/sbin/kea-dhcp4", ["-c", file("kea.json", json)], /DHCP4_STARTED/, { KEA_LOCKFILE_DIR: tmp, KEA_PIDFILE_DIR: tmp }),
    dnsmasq: (conf: string, ready = /DHCP, static leases only/) =>
      start(
        "/usr/sbin/dnsmasq",
        [
          "-d",
          "--log-dhcp",
          `--conf-file=${file("dnsmasq.conf", conf)}`,
          `--pid-file=${path.join(tmp, "dnsmasq.pid")}`,
          `--dhcp-leasefile=${file("dnsmasq.leases", "")}`,
        ],
        ready,
      ),
  };

  /** Each daemon, how to start it, and the URL an iPXE client of a MAC gets (dhcpd: its own script; Kea, dnsmasq: boot.ipxe). */
  const servers: [string, () => Promise<void>, (mac: string) => string][] = [
    ["dhcpd", () => serve.dhcpd(generateDhcpd(SNAP, "live")), (mac) => `http://10.99.0.9/${LAYOUT.ipxe(mac)}`],
    ["kea-dhcp4", () => serve.kea(generateKea(SNAP, "live")), () => `http://10.99.0.9/${LAYOUT.ipxeBoot}`],
    ["dnsmasq", () => serve.dnsmasq(generateDnsmasqConf(SNAP, "live", { exportDir: tmp })), () => `http://10.99.0.9/${LAYOUT.ipxeBoot}`],
  ];

  it.each(servers)(
    "%s serves what the generated config says",
    async (_name, startIt, ipxeUrl) => {
      await startIt();
      try {
        const bios = ask(NODE.mac, ARCH(0));
        expect(bios, log()).toEqual({
          ip: NODE.ip,
          siaddr: "10.99.0.9",
          file: "undionly.kpxe",
          hostname: "node001",
          rootpath: `afs:example.org:${TREE}`,
          router: "10.99.0.1",
          dns: "10.99.0.53",
          domain: "live.example.org",
          lease: "43200",
          vendor: "",
        });
        expect(ask(NODE.mac, ARCH(7))).toMatchObject({ file: "snponly.efi", vendor: "" });
        expect(ask(NODE.mac, ARCH(9))?.file).toBe("snponly.efi");
        // UEFI HTTP boot: the loader's URL, and option 60 HTTPClient, without which the firmware takes no answer
        expect(ask(NODE.mac, HTTP_BOOT)).toMatchObject({ ip: NODE.ip, file: "http://10.99.0.9/snponly.efi", vendor: "HTTPClient" });
        // architecture 16 without the vendor class is no HTTP boot client
        expect(ask(NODE.mac, ARCH(16))).toMatchObject({ file: "undionly.kpxe", vendor: "" });
        expect(ask(NODE.mac, [...ARCH(7), ...IPXE_USERCLASS])?.file).toBe(ipxeUrl(NODE.mac));
        expect(ask(NODE.mac, [...ARCH(0), ...IPXE_175])?.file).toBe(ipxeUrl(NODE.mac));
        // UEFI Secure Boot: shim over TFTP where the others get iPXE; BIOS and iPXE as any host
        expect(ask(SB.mac, ARCH(7))).toMatchObject({ ip: SB.ip, siaddr: "10.99.0.9", file: "shimx64.efi", hostname: "sb001", vendor: "" });
        expect(ask(SB.mac, ARCH(9))?.file).toBe("shimx64.efi");
        // and to UEFI HTTP boot its lease but no boot file and no option 60 (Debian's signed GRUB cannot
        // go on over HTTP): its firmware's HTTP attempt fails and it goes on to firmware PXE
        expect(ask(SB.mac, HTTP_BOOT), log()).toMatchObject({ ip: SB.ip, file: "", hostname: "sb001", rootpath: `afs:example.org:${TREE}`, vendor: "" });
        expect(ask(SB.mac, ARCH(0))?.file).toBe("undionly.kpxe");
        expect(ask(SB.mac, [...ARCH(7), ...IPXE_175])?.file).toBe(ipxeUrl(SB.mac));
        // boot stages present different client ids (or none): the reservation follows the MAC
        expect(ask(NODE.mac, ["-x", "0x3d:01aabbcc"])?.ip).toBe(NODE.ip);
        expect(ask(NODE.mac, ["-x", "0x3d:01ddeeff"])?.ip).toBe(NODE.ip);
        expect(ask("52:54:00:aa:00:02")).toMatchObject({ ip: "10.99.0.12", hostname: "123" });
        expect(ask("52:54:00:aa:00:03")).toMatchObject({ ip: "10.99.0.13", hostname: "ignore" });
        expect(ask("52:54:00:bb:00:01"), "a machine that is not enrolled gets no lease").toBeNull();
        expect(log()).not.toMatch(/bad dhcp-host|error|failed to parse/i);
      } finally {
        await stop();
      }
    },
    60_000,
  );

  const RANGED: FleetSnapshot = { ...SNAP, networks: [{ ...SNAP.networks[0]!, discoveryRange: "10.99.0.200-10.99.0.203" }] };
  const inRange = (ip: string | undefined) => /^10\.99\.0\.20[0-3]$/.test(ip ?? "");
  // dnsmasq pings a pool address before it offers it, and answers the DISCOVERs of the next ~3 s
  // only then: more tries than ask's 3 (PXE firmware and the initrd's udhcpc retry for longer)
  const PATIENT = ["-t", "8"];
  const rangedServers: [string, () => Promise<void>][] = [
    ["dhcpd", () => serve.dhcpd(generateDhcpd(RANGED, "live"))],
    [
      "kea-dhcp4",
      () => {
        // the pool's leases are kept: in the temp directory here, not Kea's default lease file
        const config = JSON.parse(generateKea(RANGED, "live"));
        config.Dhcp4["lease-database"].name = path.join(tmp, "kea-leases4.csv");
        return serve.kea(JSON.stringify(config));
      },
    ],
    ["dnsmasq", () => serve.dnsmasq(generateDnsmasqConf(RANGED, "live", { exportDir: tmp }), /DHCP, IP range/)],
  ];

  it.each(rangedServers)(
    "%s with a discovery range: unknown machines lease from it briefly, enrolled hosts keep their address",
    async (_name, startIt) => {
      fs.writeFileSync(path.join(tmp, LAYOUT.dnsmasqHosts("live")), generateDnsmasqHosts(RANGED, "live"));
      await startIt();
      try {
        expect(ask(NODE.mac, ARCH(0)), log()).toMatchObject({ ip: NODE.ip, file: "undionly.kpxe", rootpath: `afs:example.org:${TREE}`, lease: "43200" });
        expect(ask(NODE.mac, [...ARCH(7), ...IPXE_USERCLASS])).toMatchObject({ ip: NODE.ip, lease: "43200" });
        const unknown = ask("52:54:00:bb:00:01", [...ARCH(0), ...PATIENT]);
        expect(unknown, log()).toMatchObject({ siaddr: "10.99.0.9", file: "undionly.kpxe", rootpath: "", router: "10.99.0.1", lease: "600" });
        expect(inRange(unknown?.ip), `${unknown?.ip} in the range`).toBe(true);
        expect(ask("52:54:00:bb:00:02", [...ARCH(9), ...PATIENT])).toMatchObject({ file: "snponly.efi", lease: "600" });
        // iPXE of an unknown machine: boot.ipxe, which falls back to the discovery boot
        const ipxe = ask("52:54:00:bb:00:03", [...ARCH(0), ...IPXE_175, ...PATIENT]);
        expect(ipxe).toMatchObject({ file: "http://10.99.0.9/boot.ipxe", lease: "600" });
        expect(inRange(ipxe?.ip)).toBe(true);
        // UEFI HTTP boot of an unknown machine: iPXE's URL, then boot.ipxe as above
        const http = ask("52:54:00:bb:00:04", [...HTTP_BOOT, ...PATIENT]);
        expect(http).toMatchObject({ file: "http://10.99.0.9/snponly.efi", vendor: "HTTPClient", lease: "600" });
        expect(inRange(http?.ip)).toBe(true);
        expect(log()).not.toMatch(/bad dhcp-host|error|failed to parse/i);
      } finally {
        await stop();
      }
    },
    60_000,
  );

  // The network's dhcpEventHook names a wrapper that runs scripts/hooks/afsboot-dhcp-event with a
  // test conf and a stand-in curl, which records the reports the hook would post to the console.
  const reports = () => path.join(tmp, "hook-reports");
  const runs = () => path.join(tmp, "hook-runs");
  function hookWrapper(): string {
    const bin = path.join(tmp, "hook-bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
      path.join(bin, "curl"),
      `#!/bin/sh\nprev=\nfor a in "$@"; do [ "$prev" = --data ] && printf '%s\\n' "$a" >>${reports()}; prev=$a; done\ncat >/dev/null\n`,
      { mode: 0o755 },
    );
    const conf = file("dhcp-event.conf", "AFSBOOT_URL=http://console.invalid:3000\nAFSBOOT_TOKEN=afsb_test\n");
    const wrapper = path.join(tmp, "afsboot-dhcp-event");
    // Kea starts the script with its own variables only (no PATH): the wrapper sets what the hook
    // needs. The hook posts in the background; every process it starts inherits fd 9, a pipe that
    // cat reads to its end: the wrapper logs the run (arguments and Kea's MAC) once the hook and its
    // report are done, so a run without a report is as visible as one with.
    fs.writeFileSync(
      wrapper,
      `#!/bin/sh\n{ AFSBOOT_EVENT_CONF=${conf} AFSBOOT_HTTP_CLIENT=curl PATH=${bin}:/usr/bin:/bin /bin/sh ${path.resolve("scripts/hooks/afsboot-dhcp-event")} "$@" 9>&1 >/dev/null 2>&1; } | /bin/cat >/dev/null\n` +
        `printf '%s %s\\n' "$*" "\${LEASES4_AT0_HWADDR:-}" >>${runs()}\n`,
      { mode: 0o755 },
    );
    fs.rmSync(reports(), { force: true });
    fs.rmSync(runs(), { force: true });
    return wrapper;
  }
  const lines = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").filter(Boolean) : []);
  /** The reports recorded so far, as form fields. */
  const recorded = () => lines(reports()).map((l) => Object.fromEntries(new URLSearchParams(l)));
  /** The reports, once `count` arrived (dnsmasq and Kea run the script in the background). */
  async function reported(count: number): Promise<Record<string, string>[]> {
    await until(() => recorded().length >= count, `${count} report(s) of the hook`);
    return recorded();
  }
  /** Once the hook's run for `mac` is over (report sent or not): dnsmasq and Kea run it in the background. */
  const hookRan = (mac: string) => until(() => lines(runs()).some((l) => l.includes(mac)), `the hook to run for ${mac}`);
  const PXE_VENDOR = ["-V", "PXEClient:Arch:00000:UNDI:002001"];
  const hooked = (hook: string): FleetSnapshot => ({ ...SNAP, networks: [{ ...SNAP.networks[0]!, dhcpEventHook: hook }] });
  const hookedServers: [string, (hook: string) => Promise<void>, boolean][] = [
    ["kea-dhcp4", (hook) => serve.kea(generateKea(hooked(hook), "live")), false],
    ["dnsmasq", (hook) => serve.dnsmasq(generateDnsmasqConf(hooked(hook), "live", { exportDir: tmp })), true],
    ["dhcpd", (hook) => serve.dhcpd(generateDhcpd(hooked(hook), "live")), true],
  ];

  it.each(hookedServers)(
    "%s runs the DHCP event hook, which reports the lease of boot firmware as the dhcp stage",
    async (name, startIt, tellsFirmware) => {
      fs.writeFileSync(path.join(tmp, LAYOUT.dnsmasqHosts("live")), generateDnsmasqHosts(SNAP, "live"));
      await startIt(hookWrapper());
      try {
        expect(ask(NODE.mac, [...ARCH(0), ...PXE_VENDOR]), log()).toMatchObject({ ip: NODE.ip, file: "undionly.kpxe" });
        const [first] = await reported(1);
        expect(first, log()).toMatchObject({ mac: NODE.mac, stage: "dhcp", ip: NODE.ip });
        // UEFI HTTP boot firmware is boot firmware too, also when it gets no boot file (a Secure Boot host)
        expect(ask(SB.mac, HTTP_BOOT)).toMatchObject({ ip: SB.ip, file: "", vendor: "" });
        const [, second] = await reported(2);
        expect(second).toMatchObject({ mac: SB.mac, stage: "dhcp", ip: SB.ip });
        if (tellsFirmware) expect(second!.message).toMatch(/ to HTTP$/);
        // an operating system asking (no PXE vendor class): dnsmasq tells the hook, which ignores it,
        // dhcpd's on commit does not call it; Kea does not pass the vendor class, and a client
        // without an address yet counts as booting
        expect(ask("52:54:00:aa:00:02")).toMatchObject({ ip: "10.99.0.12" });
        // the reports are final once the hook's run for that lease is over; dhcpd does not run it
        // (not boot firmware), and would have before its answer (on commit waits for the script)
        if (name !== "dhcpd") await hookRan("52:54:00:aa:00:02");
        expect(recorded().map((r) => r.mac)).toEqual(tellsFirmware ? [NODE.mac, SB.mac] : [NODE.mac, SB.mac, "52:54:00:aa:00:02"]);
        expect(log()).not.toMatch(/error|failed to parse/i);
      } finally {
        await stop();
      }
    },
    60_000,
  );

  // A network with two boot servers: each server's own files (dhcp/<server>/…) name that server as
  // next-server and its HTTP base in every URL. boot2's here, whose boot files come from a URL with a
  // path of its own. Kea's HA hook is left out of its file (the failover is daemons.test.ts's and the
  // lab's): what the reservations and classes hand out is what this checks.
  const BASE2 = "http://10.99.0.7:8080/export/";
  const TWO: FleetSnapshot = {
    ...SNAP,
    networks: [
      {
        ...SNAP.networks[0]!,
        bootServers: [
          { name: "boot1", address: "10.99.0.9" },
          { name: "boot2", address: "10.99.0.7", url: BASE2 },
        ],
      },
    ],
  };
  const twoFile = (p: string) => dhcpFiles(TWO, { exportDir: tmp }).find((f) => f.path === p)!.content;
  function withoutHa(json: string): string {
    const config = JSON.parse(json);
    const libraries = config.Dhcp4["hooks-libraries"].filter((l: { library: string }) => !/libdhcp_(ha|lease_cmds)\.so$/.test(l.library));
    if (libraries.length) config.Dhcp4["hooks-libraries"] = libraries;
    else delete config.Dhcp4["hooks-libraries"];
    return JSON.stringify(config);
  }
  const serverFiles: [string, () => Promise<void>, (mac: string) => string][] = [
    ["dhcpd", () => serve.dhcpd(twoFile(LAYOUT.serverDhcpd("boot2", "live"))), (mac) => `${BASE2}${LAYOUT.ipxe(mac)}`],
    ["kea-dhcp4", () => serve.kea(withoutHa(twoFile(LAYOUT.serverKea("boot2")))), () => `${BASE2}${LAYOUT.ipxeBoot}`],
    ["dnsmasq", () => serve.dnsmasq(twoFile(LAYOUT.serverDnsmasqConf("boot2", "live"))), () => `${BASE2}${LAYOUT.ipxeBoot}`],
  ];

  it.each(serverFiles)(
    "%s with a boot server's own files: its address and URLs, shim over PXE for Secure Boot hosts and no answer to their HTTP boot",
    async (_name, startIt, ipxeUrl) => {
      fs.writeFileSync(path.join(tmp, LAYOUT.dnsmasqHosts("live")), twoFile(LAYOUT.dnsmasqHosts("live")));
      await startIt();
      try {
        expect(ask(NODE.mac, ARCH(0)), log()).toMatchObject({ ip: NODE.ip, siaddr: "10.99.0.7", file: "undionly.kpxe" });
        expect(ask(NODE.mac, ARCH(9))).toMatchObject({ siaddr: "10.99.0.7", file: "snponly.efi" });
        expect(ask(NODE.mac, HTTP_BOOT)).toMatchObject({ file: `${BASE2}snponly.efi`, vendor: "HTTPClient" });
        expect(ask(NODE.mac, [...ARCH(7), ...IPXE_USERCLASS])?.file).toBe(ipxeUrl(NODE.mac));
        expect(ask(SB.mac, ARCH(7))).toMatchObject({ ip: SB.ip, siaddr: "10.99.0.7", file: "shimx64.efi" });
        expect(ask(SB.mac, HTTP_BOOT)).toMatchObject({ ip: SB.ip, file: "", vendor: "" });
        expect(ask(SB.mac, [...ARCH(9), ...IPXE_175])?.file).toBe(ipxeUrl(SB.mac));
        expect(log()).not.toMatch(/bad dhcp-host|error|failed to parse/i);
      } finally {
        await stop();
      }
    },
    60_000,
  );

  it("dnsmasq: of several dhcp-boot lines that match, the last in the file wins (why the generated ones exclude each other)", async () => {
    const base = [
      "port=0",
      "dhcp-range=set:n,10.99.0.0,static,255.255.255.0,43200",
      `dhcp-host=${NODE.mac},id:*,${NODE.ip}`,
      "dhcp-match=set:efi64,option:client-arch,7",
    ];
    for (const [lines, expected] of [
      [["dhcp-boot=tag:n,generic", "dhcp-boot=tag:n,tag:efi64,specific"], "specific"],
      [["dhcp-boot=tag:n,tag:efi64,specific", "dhcp-boot=tag:n,generic"], "generic"],
    ] as const) {
      await serve.dnsmasq([...base, ...lines, ""].join("\n"));
      try {
        expect(ask(NODE.mac, ARCH(7))?.file, log()).toBe(expected);
      } finally {
        await stop();
      }
    }
  }, 60_000);

  it("dnsmasq takes a host added to the hosts file on SIGHUP, the conf file unchanged", async () => {
    const other = { ...FIXTURE.versions[1]!, tree: "/afs/example.org/boot/other" };
    const before: FleetSnapshot = { ...SNAP, versions: [...SNAP.versions, other] };
    const added = { ...SNAP.hosts[0]!, name: "node002", mac: "52:54:00:aa:00:04", ip: "10.99.0.14", release: other.release, version: other.version };
    const after: FleetSnapshot = { ...before, hosts: [...before.hosts, added] };
    const conf = generateDnsmasqConf(before, "live", { exportDir: tmp });
    expect(generateDnsmasqConf(after, "live", { exportDir: tmp })).toBe(conf);
    fs.writeFileSync(path.join(tmp, LAYOUT.dnsmasqHosts("live")), generateDnsmasqHosts(before, "live"));
    await start(
      "/usr/sbin/dnsmasq",
      ["-d", `--conf-file=${file("dnsmasq.conf", conf)}`, `--pid-file=${path.join(tmp, "dnsmasq.pid")}`, `--dhcp-leasefile=${file("dnsmasq.leases", "")}`],
      /DHCP, static leases only/,
    );
    try {
      expect(ask(added.mac)).toBeNull();
      fs.writeFileSync(path.join(tmp, LAYOUT.dnsmasqHosts("live")), generateDnsmasqHosts(after, "live"));
      // dnsmasq logs each read of the hosts file, the one at start-up too: wait for one more
      const reads = () => log().match(/read .*dnsmasq-live\.hosts/g)?.length ?? 0;
      const readsBefore = reads();
      daemon!.kill("SIGHUP");
      await until(() => reads() > readsBefore, "dnsmasq to re-read its hosts file");
      expect(ask(added.mac)).toMatchObject({ ip: "10.99.0.14", hostname: "node002", rootpath: "afs:example.org:/afs/example.org/boot/other" });
      expect(ask(NODE.mac)).toMatchObject({ ip: NODE.ip, rootpath: `afs:example.org:${TREE}` });
    } finally {
      await stop();
    }
  }, 60_000);
});
