import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4, parseIpv4 } from "../../net/ipv4";
import { DISCOVERY_FIXTURE, FAILOVER_FIXTURE, FIXTURE, HOOK_FIXTURE } from "../fixtures";
import { LAYOUT, type FleetSnapshot } from "../snapshot";
import { networkInput } from "../../validation/network";
import { arbFleet } from "./arbitraries.test";
import {
  DEFAULT_KEA_HOOKS_DIR,
  DhcpGenerateError,
  dhcpFiles,
  discoverySlice,
  generateDhcpd,
  generateDnsmasqConf,
  generateDnsmasqHosts,
  generateKea,
} from "./index";

const GOLDEN = path.join(import.meta.dirname, "__golden__");
const OPTS = { exportDir: "/srv/afsboot" };

function listFiles(dir: string, prefix = ""): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

describe("golden files", () => {
  it("match the files generated from FIXTURE, DISCOVERY_FIXTURE, HOOK_FIXTURE and FAILOVER_FIXTURE (UPDATE_GOLDEN=1 rewrites them)", () => {
    // the networks of the four are named apart: one directory holds the files of all
    const files = [...dhcpFiles(FIXTURE, OPTS), ...dhcpFiles(DISCOVERY_FIXTURE, OPTS), ...dhcpFiles(HOOK_FIXTURE, OPTS), ...dhcpFiles(FAILOVER_FIXTURE, OPTS)];
    if (process.env.UPDATE_GOLDEN === "1") {
      fs.rmSync(GOLDEN, { recursive: true, force: true });
      for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(GOLDEN, f.path)), { recursive: true });
        fs.writeFileSync(path.join(GOLDEN, f.path), f.content);
      }
    }
    expect(listFiles(GOLDEN).sort()).toEqual(files.map((f) => f.path).sort());
    for (const f of files) expect(f.content, f.path).toBe(fs.readFileSync(path.join(GOLDEN, f.path), "utf8"));
  });

  it("cover both networks in all four forms", () => {
    expect(dhcpFiles(FIXTURE, OPTS).map((f) => f.path)).toEqual([
      "dhcp/dhcpd-lab.conf",
      "dhcp/kea-dhcp4-lab.json",
      "dhcp/dnsmasq-lab.conf",
      "dhcp/dnsmasq-lab.hosts",
      "dhcp/dhcpd-render.conf",
      "dhcp/kea-dhcp4-render.json",
      "dhcp/dnsmasq-render.conf",
      "dhcp/dnsmasq-render.hosts",
    ]);
  });
});

describe("determinism", () => {
  it("gives the same bytes twice, and whatever the order of the snapshot's lists", () => {
    const reversed: FleetSnapshot = {
      ...FIXTURE,
      networks: [...FIXTURE.networks].reverse(),
      hosts: [...FIXTURE.hosts].reverse(),
      versions: [...FIXTURE.versions].reverse(),
    };
    const a = dhcpFiles(FIXTURE, OPTS);
    expect(dhcpFiles(structuredClone(FIXTURE), OPTS)).toEqual(a);
    expect(dhcpFiles(reversed, OPTS)).toEqual(a);
  });
});

describe("what a host gets", () => {
  it("no pool anywhere, a root path per host, no domain option where the network has none", () => {
    const all = dhcpFiles(FIXTURE, OPTS)
      .map((f) => f.content)
      .join("\n");
    expect(all).not.toMatch(/^\s*range\s|"pools"|dhcp-range=(?!.*,static,)/m);
    expect(generateDhcpd(FIXTURE, "render")).toContain('option root-path "afs:grand.central.org:/afs/grand.central.org/boot/RH/7.3";');
    expect(generateDhcpd(FIXTURE, "render")).not.toContain("domain-name ");
    expect(generateDnsmasqConf(FIXTURE, "render")).not.toContain("domain-name");
    expect(JSON.parse(generateKea(FIXTURE, "render")).Dhcp4.subnet4[0]["option-data"].map((o: { name: string }) => o.name)).toEqual([
      "routers",
      "domain-name-servers",
    ]);
  });

  it("dnsmasq: host changes touch only the hosts file (SIGHUP), the conf stays byte for byte", () => {
    const conf = generateDnsmasqConf(FIXTURE, "lab");
    const hosts = generateDnsmasqHosts(FIXTURE, "lab");
    const changes: ((s: FleetSnapshot) => void)[] = [
      (s) => s.hosts.splice(0, 1),
      (s) => s.hosts.push({ ...s.hosts[0]!, name: "node003", mac: "52:54:00:12:34:58", ip: "10.0.0.13" }),
      (s) => (s.hosts[0]!.name = "node000"),
      (s) => (s.hosts[0]!.mac = "52:54:00:00:00:01"),
      (s) => (s.hosts[0]!.ip = "10.0.0.99"),
      (s) => Object.assign(s.hosts[0]!, { release: "rh-7.3", version: "1", cell: "grand.central.org" }),
    ];
    for (const change of changes) {
      const s = structuredClone(FIXTURE);
      change(s);
      expect(generateDnsmasqConf(s, "lab")).toBe(conf);
      expect(generateDnsmasqHosts(s, "lab")).not.toBe(hosts);
    }
  });

  it("dnsmasq names the hosts file by the export directory, default /srv/afsboot", () => {
    expect(generateDnsmasqConf(FIXTURE, "lab")).toContain("\ndhcp-hostsfile=/srv/afsboot/dhcp/dnsmasq-lab.hosts\n");
    expect(generateDnsmasqConf(FIXTURE, "lab", { exportDir: "/afs/example.org/boot/export/" })).toContain(
      "\ndhcp-hostsfile=/afs/example.org/boot/export/dhcp/dnsmasq-lab.hosts\n",
    );
  });

  it("a Secure Boot host's UEFI HTTP boot gets no boot file and no option 60 in all three (its GRUB cannot go on over HTTP); shim only by TFTP", () => {
    const all = [...dhcpFiles(FIXTURE, OPTS), ...dhcpFiles(DISCOVERY_FIXTURE, OPTS), ...dhcpFiles(FAILOVER_FIXTURE, OPTS)];
    expect(FIXTURE.hosts.some((h) => h.secureBoot)).toBe(true);
    for (const f of all) expect(f.content, f.path).not.toMatch(/https?:\/\/\S*shimx64/);
    // dhcpd: the Secure Boot host's HTTP branch is empty, its PXE branch shim
    const sb = FIXTURE.hosts.find((h) => h.secureBoot)!;
    // (its group: the boot statements of the Secure Boot hosts, then their declarations)
    const block = [...generateDhcpd(FIXTURE, sb.network).matchAll(/\n {2}group \{\n[^]*?\n {2}\}\n/g)]
      .map((m) => m[0])
      .find((g) => g.includes(`\n    host ${sb.name} {\n`))!;
    for (const name of block.matchAll(/^ {4}host (\S+) \{$/gm)) expect(FIXTURE.hosts.find((h) => h.name === name[1])?.secureBoot).toBe(true);
    expect(block).toMatch(/elsif option afsboot-arch = 00:10 [^\n]*\{\n {6}# Secure Boot: no answer to UEFI HTTP boot [^\n]*\n {4}\} elsif /);
    expect(block).not.toContain('HTTPClient";');
    expect(block).toContain('filename "shimx64.efi";');
    // Kea: the HTTP boot class (URL and option 60) leaves Secure Boot hosts out; the subnet names no boot file
    const kea = JSON.parse(generateKea(FIXTURE, sb.network)).Dhcp4;
    const http = kea["client-classes"].find((c: { name: string }) => c.name === `afsboot-http-snponly-${sb.network}`);
    expect(http.test).toBe("member('afsboot-http') and not member('afsboot-secure-boot')");
    expect(http["option-data"]).toEqual([{ name: "vendor-class-identifier", data: "HTTPClient", "always-send": true }]);
    expect(kea["client-classes"].filter((c: { "option-data"?: unknown }) => c["option-data"])).toEqual([http]);
    expect(kea.subnet4[0]["boot-file-name"]).toBeUndefined();
    // dnsmasq: the HTTP boot line and option 60 need the tag !secure-boot
    const conf = generateDnsmasqConf(FIXTURE, sb.network);
    expect(conf.match(/^dhcp-boot=.*tag:efi64-http,tag:http-client.*$/gm)).toEqual([
      `dhcp-boot=tag:net-${sb.network},tag:!ipxe,tag:efi64-http,tag:http-client,tag:!secure-boot,http://10.0.0.1/snponly.efi,,10.0.0.1`,
    ]);
    expect(conf).toContain(
      `\ndhcp-option-force=tag:net-${sb.network},tag:!ipxe,tag:efi64-http,tag:http-client,tag:!secure-boot,option:vendor-class,HTTPClient\n`,
    );
  });
});

describe("a discovery range", () => {
  const lab = (snap: FleetSnapshot) => ({
    dhcpd: generateDhcpd(snap, "lab-discovery"),
    kea: generateKea(snap, "lab-discovery"),
    dnsmasq: generateDnsmasqConf(snap, "lab-discovery"),
  });

  it("gives machines that are not enrolled short leases from it in all three, the hosts as they were", () => {
    const f = lab(DISCOVERY_FIXTURE);
    expect(f.dhcpd).toContain("  pool {\n    range 10.0.0.200 10.0.0.220;\n    allow unknown-clients;\n    default-lease-time 600;\n    max-lease-time 600;\n");
    const kea = JSON.parse(f.kea).Dhcp4;
    expect(kea.subnet4[0].pools).toEqual([{ pool: "10.0.0.200 - 10.0.0.220", "client-class": "UNKNOWN" }]);
    expect(kea["client-classes"]).toContainEqual(expect.objectContaining({ test: "member('UNKNOWN')", "valid-lifetime": 600 }));
    expect(kea["lease-database"].persist).toBe(true);
    expect(f.dnsmasq).toContain("\ndhcp-range=set:net-lab-discovery,10.0.0.200,10.0.0.220,255.255.255.0,600\n");
    expect(f.dnsmasq).toContain("\ndhcp-range=set:net-lab-discovery,10.0.0.0,static,255.255.255.0,43200\n");
    // the host entries are the same bytes with or without a range
    const plain = { dhcpd: generateDhcpd(FIXTURE, "lab"), kea: JSON.parse(generateKea(FIXTURE, "lab")).Dhcp4.subnet4[0].reservations };
    expect(f.dhcpd.slice(f.dhcpd.indexOf("  host "))).toBe(plain.dhcpd.slice(plain.dhcpd.indexOf("  host ")));
    expect(kea.subnet4[0].reservations).toEqual(plain.kea);
    expect(generateDnsmasqHosts(DISCOVERY_FIXTURE, "lab-discovery").split("\n").slice(1)).toEqual(generateDnsmasqHosts(FIXTURE, "lab").split("\n").slice(1));
  });

  it("keeps the comments true: no 'only enrolled hosts' where a range serves the others", () => {
    for (const text of Object.values(lab(DISCOVERY_FIXTURE))) {
      expect(text).not.toMatch(/Only enrolled hosts get an address/);
      expect(text).toMatch(/discovery (range 10\.0\.0\.200-10\.0\.0\.220|pool 10\.0\.0\.200 - 10\.0\.0\.220)/);
    }
    for (const gen of [generateDhcpd, generateKea, generateDnsmasqConf]) expect(gen(FIXTURE, "lab")).toMatch(/Only enrolled hosts get an address/);
  });

  it("hands unknown iPXE clients boot.ipxe from the network's boot files URL (which chains the default script)", () => {
    expect(generateDhcpd(DISCOVERY_FIXTURE, "render-discovery")).toMatch(/pool \{[^}]*filename "http:\/\/afsboot\.example\.org:3000\/boot\/boot\.ipxe";/);
  });

  it("null or absent is the same as no range", () => {
    const withNull: FleetSnapshot = { ...FIXTURE, networks: FIXTURE.networks.map((n) => ({ ...n, discoveryRange: null })) };
    expect(dhcpFiles(withNull, OPTS)).toEqual(dhcpFiles(FIXTURE, OPTS));
  });
});

describe("a DHCP event hook", () => {
  const HOOK = "/usr/local/sbin/afsboot-dhcp-event";
  const lab = (snap: FleetSnapshot, opts = {}) => ({
    dhcpd: generateDhcpd(snap, "lab-hook"),
    kea: generateKea(snap, "lab-hook", opts),
    dnsmasq: generateDnsmasqConf(snap, "lab-hook"),
  });

  it("dnsmasq runs it as its dhcp-script, with a comment saying what it reports and what it reads", () => {
    const conf = lab(HOOK_FIXTURE).dnsmasq;
    expect(conf).toContain(
      `\n# The AFSBoot DHCP hook reports leases to boot firmware as the dhcp stage (it reads /etc/afsboot/dhcp-event.conf).\ndhcp-script=${HOOK}\n`,
    );
    expect(conf.match(/^dhcp-script=/gm)).toHaveLength(1);
  });

  it("Kea loads the run_script hook library with it, asynchronous, and says so in its comment", () => {
    const kea = JSON.parse(lab(HOOK_FIXTURE).kea).Dhcp4;
    expect(kea["hooks-libraries"]).toEqual([{ library: `${DEFAULT_KEA_HOOKS_DIR}/libdhcp_run_script.so`, parameters: { name: HOOK, sync: false } }]);
    expect(DEFAULT_KEA_HOOKS_DIR).toBe("/usr/lib/x86_64-linux-gnu/kea/hooks");
    expect(kea.comment).toContain(`Boot events go to the AFSBoot DHCP hook ${HOOK}`);
  });

  it("Kea's hooks directory comes from the options (the data layer's AFSBOOT_KEA_HOOKS_DIR), checked", () => {
    const library = (keaHooksDir: string) => JSON.parse(lab(HOOK_FIXTURE, { keaHooksDir }).kea).Dhcp4["hooks-libraries"][0].library;
    expect(library("/usr/lib64/kea/hooks")).toBe("/usr/lib64/kea/hooks/libdhcp_run_script.so");
    expect(library("/usr/local/lib/kea/hooks/")).toBe("/usr/local/lib/kea/hooks/libdhcp_run_script.so");
    expect(dhcpFiles(HOOK_FIXTURE, { ...OPTS, keaHooksDir: "/usr/lib64/kea/hooks" }).find((f) => f.path === "dhcp/kea-dhcp4-lab-hook.json")!.content).toContain(
      '"library": "/usr/lib64/kea/hooks/libdhcp_run_script.so"',
    );
    for (const dir of ["usr/lib64/kea/hooks", "/usr/lib/kea hooks", "/usr/lib/a,b", '/usr/lib/"x"', "/usr/lib/../../tmp"]) {
      expect(() => generateKea(HOOK_FIXTURE, "lab-hook", { keaHooksDir: dir }), dir).toThrow(/Kea hooks directory/);
    }
    // unused without a hook: the files stay as they were
    expect(generateKea(FIXTURE, "lab", { keaHooksDir: "not checked" })).toBe(generateKea(FIXTURE, "lab"));
  });

  it("ISC dhcpd calls it on commit, for boot firmware only; the rest is the file without a hook", () => {
    const withHook = lab(HOOK_FIXTURE).dhcpd;
    const hook = HOOK_FIXTURE.networks.find((n) => n.name === "lab-hook")!.dhcpEventHook!;
    const args = `"dhcpd-commit", binary-to-ascii(16, 8, ":", substring(hardware, 1, 6)), binary-to-ascii(10, 8, ".", leased-address)`;
    const block = withHook.match(/\n  # The AFSBoot DHCP hook [^]*?\n  on commit \{\n[^]*?\n  \}\n\n/)?.[0];
    expect(block).toBeDefined();
    expect(block).toContain(`execute("${hook}", ${args}, "iPXE");`);
    expect(block).toContain(`execute("${hook}", ${args}, "PXE");`);
    expect(block).toContain(`execute("${hook}", ${args}, "HTTP");`);
    // iPXE as the host blocks tell it; a PXE ROM or UEFI HTTP boot by its vendor class; nobody else (an OS renewing)
    expect(block).toMatch(
      /if exists afsboot-ipxe-encap or \(exists user-class and option user-class = "iPXE"\) \{\n.*"iPXE"\);\n    \} elsif exists vendor-class-identifier and substring\(option vendor-class-identifier, 0, 9\) = "PXEClient" \{\n.*"PXE"\);\n    \} elsif exists vendor-class-identifier and substring\(option vendor-class-identifier, 0, 10\) = "HTTPClient" \{\n.*"HTTP"\);\n    \}\n/,
    );
    const without = generateDhcpd({ ...HOOK_FIXTURE, networks: HOOK_FIXTURE.networks.map((n) => ({ ...n, dhcpEventHook: null })) }, "lab-hook");
    expect(withHook.replace(block!, "\n")).toBe(without);
    expect(without).not.toMatch(/DHCP hook|execute/);
  });

  it("changes nothing else: the files without it are the files of FIXTURE, byte for byte", () => {
    const unhooked: FleetSnapshot = {
      ...HOOK_FIXTURE,
      networks: HOOK_FIXTURE.networks.map((n) => ({ ...n, name: n.name.replace(/-hook$/, ""), discoveryRange: undefined, dhcpEventHook: undefined })),
      hosts: FIXTURE.hosts,
    };
    expect(dhcpFiles(unhooked, OPTS)).toEqual(dhcpFiles(FIXTURE, OPTS));
    // and the lines it adds are the only difference
    const strip = (text: string) => text.replace(/\n# The AFSBoot DHCP hook [^\n]*\ndhcp-script=[^\n]*\n\n/, "\n");
    expect(strip(lab(HOOK_FIXTURE).dnsmasq)).toBe(
      generateDnsmasqConf(FIXTURE, "lab")
        .replace(/net-lab\b/g, "net-lab-hook")
        .replace(/network lab \(/, "network lab-hook (")
        .replace(/dnsmasq-lab\.hosts/, "dnsmasq-lab-hook.hosts"),
    );
    // the subnet's own HTTP boot classes are named by its network
    const kea = JSON.parse(lab(HOOK_FIXTURE).kea.replaceAll("-lab-hook", "-lab")).Dhcp4;
    const plain = JSON.parse(generateKea(FIXTURE, "lab")).Dhcp4;
    delete kea["hooks-libraries"];
    expect({ ...kea, comment: "", subnet4: [{ ...kea.subnet4[0], comment: "" }] }).toEqual({
      ...plain,
      comment: "",
      subnet4: [{ ...plain.subnet4[0], comment: "" }],
    });
  });

  it("every path the edge accepts reads back intact from dnsmasq and Kea (property)", () => {
    fc.assert(
      fc.property(arbFleet(2), (snap) => {
        for (const net of snap.networks.filter((n) => n.dhcpEventHook)) {
          const hook = net.dhcpEventHook!;
          expect(networkInput.safeParse({ ...net, dhcpEventHook: hook }).data?.dhcpEventHook).toBe(hook);
          const script = generateDnsmasqConf(snap, net.name).match(/^dhcp-script=(.*)$/m);
          expect(script?.[1]).toBe(hook);
          expect(JSON.parse(generateKea(snap, net.name)).Dhcp4["hooks-libraries"][0].parameters.name).toBe(hook);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("null or absent is the same as no hook", () => {
    const withNull: FleetSnapshot = { ...FIXTURE, networks: FIXTURE.networks.map((n) => ({ ...n, dhcpEventHook: null })) };
    expect(dhcpFiles(withNull, OPTS)).toEqual(dhcpFiles(FIXTURE, OPTS));
  });
});

describe("bad input fails loudly instead of writing a broken config", () => {
  const cases: [string, (s: FleetSnapshot) => void, RegExp][] = [
    ["unknown network", () => {}, /network "nope" is not in the snapshot/],
    ["quote in a tree", (s) => (s.versions[0]!.tree = '/afs/example.org/boot/x";evil'), /tree .* is not a path under \/afs\//],
    ["newline in a tree", (s) => (s.versions[0]!.tree = "/afs/example.org/x\n}"), /tree/],
    ["'#' in a tree", (s) => (s.versions[0]!.tree = "/afs/example.org/#x"), /tree/],
    ["space in a tree", (s) => (s.versions[0]!.tree = "/afs/example.org/a b"), /tree/],
    ["tree outside /afs", (s) => (s.versions[0]!.tree = "/srv/x"), /tree/],
    ["host name with a dot", (s) => (s.hosts[0]!.name = "node.001"), /RFC 1123/],
    ["host name with a quote", (s) => (s.hosts[0]!.name = 'a"b'), /RFC 1123/],
    ["upper-case MAC", (s) => (s.hosts[0]!.mac = "52:54:00:12:34:5A"), /not in the stored form/],
    ["IP outside the subnet", (s) => (s.hosts[0]!.ip = "10.0.1.5"), /is not a host address of 10.0.0.0\/24/],
    ["broadcast IP", (s) => (s.hosts[0]!.ip = "10.0.0.255"), /is not a host address/],
    ["duplicate IP", (s) => (s.hosts[1]!.ip = s.hosts[0]!.ip), /same IP 10.0.0.11/],
    ["duplicate MAC", (s) => (s.hosts[1]!.mac = s.hosts[0]!.mac), /same MAC/],
    ["unknown version", (s) => (s.hosts[0]!.version = "9"), /deb-12@9 is not in the snapshot/],
    ["unknown cell", (s) => (s.hosts[0]!.cell = "other.org"), /cell "other.org" is not in the snapshot/],
    ["root path over 255 bytes", (s) => (s.versions[0]!.tree = `/afs/example.org/${"x".repeat(240)}`), /more than a DHCP option holds/],
    ["domain with a quote", (s) => (s.networks[0]!.domain = 'lab".org'), /domain .* is not a DNS name/],
    ["bad subnet", (s) => (s.networks[0]!.subnet = "10.0.0.5/24"), /host bits are set/],
    ["bad DNS server", (s) => (s.networks[0]!.dns = ["10.0.0.1; evil"]), /DNS server/],
    ["discovery range not START-END", (s) => (s.networks[0]!.discoveryRange = "10.0.0.200"), /discovery range "10.0.0.200" is not in the form START-END/],
    ["discovery range with a newline", (s) => (s.networks[0]!.discoveryRange = "10.0.0.200-10.0.0.220\n}"), /not in the form START-END/],
    ["discovery range backwards", (s) => (s.networks[0]!.discoveryRange = "10.0.0.220-10.0.0.200"), /starts after it ends/],
    ["discovery range outside the subnet", (s) => (s.networks[0]!.discoveryRange = "10.0.0.200-10.0.1.5"), /not inside the host addresses of 10.0.0.0\/24/],
    ["discovery range with the broadcast address", (s) => (s.networks[0]!.discoveryRange = "10.0.0.200-10.0.0.255"), /not inside the host addresses/],
    ["discovery range with the gateway", (s) => (s.networks[0]!.discoveryRange = "10.0.0.1-10.0.0.9"), /includes the gateway 10.0.0.1/],
    ["discovery range with a DNS server", (s) => (s.networks[0]!.discoveryRange = "10.0.0.2-10.0.0.9"), /includes the DNS server 10.0.0.2/],
    [
      "host in the discovery range",
      (s) => (s.networks[0]!.discoveryRange = "10.0.0.10-10.0.0.11"),
      /host "node001": IP 10.0.0.11 lies in the discovery range 10.0.0.10-10.0.0.11/,
    ],
    ["relative DHCP event hook", (s) => (s.networks[0]!.dhcpEventHook = "afsboot-dhcp-event"), /DHCP event hook "afsboot-dhcp-event" is not an absolute path/],
    ["DHCP event hook with a space", (s) => (s.networks[0]!.dhcpEventHook = "/usr/local/sbin/a b"), /DHCP event hook/],
    ["DHCP event hook with a newline", (s) => (s.networks[0]!.dhcpEventHook = "/usr/local/sbin/x\ndhcp-boot=evil"), /DHCP event hook/],
    ["DHCP event hook with a comma", (s) => (s.networks[0]!.dhcpEventHook = "/usr/local/sbin/a,b"), /DHCP event hook/],
    ["DHCP event hook with a quote", (s) => (s.networks[0]!.dhcpEventHook = '/usr/local/sbin/x"'), /DHCP event hook/],
    ["DHCP event hook with '#'", (s) => (s.networks[0]!.dhcpEventHook = "/usr/local/sbin/x#y"), /DHCP event hook/],
    ["DHCP event hook with '..'", (s) => (s.networks[0]!.dhcpEventHook = "/usr/local/../x"), /DHCP event hook/],
    ["DHCP event hook that is a directory", (s) => (s.networks[0]!.dhcpEventHook = "/usr/local/sbin/"), /DHCP event hook/],
    ["DHCP event hook over 255 characters", (s) => (s.networks[0]!.dhcpEventHook = `/${"x".repeat(255)}`), /DHCP event hook/],
    [
      "HTTP boot URL longer than the file field",
      (s) => (s.networks[0]!.bootUrl = `http://a.example.org/${"x".repeat(100)}/`),
      /network lab: HTTP boot URL http:\/\/a\.example\.org\/x+\/snponly\.efi is longer than the DHCP file field \(127\)/,
    ],
  ];
  it.each(cases)("%s", (label, mutate, message) => {
    const snap = structuredClone(FIXTURE);
    mutate(snap);
    const network = label === "unknown network" ? "nope" : "lab";
    for (const gen of [generateDhcpd, generateKea, generateDnsmasqConf, generateDnsmasqHosts]) {
      expect(() => gen(snap, network)).toThrow(DhcpGenerateError);
      expect(() => gen(snap, network)).toThrow(message);
    }
  });

  it.each(["srv/afsboot", "/srv/afs boot", "/srv/a,b", "/srv/#x", "/srv/../etc"])("export directory %j", (dir) => {
    expect(() => generateDnsmasqConf(FIXTURE, "lab", { exportDir: dir })).toThrow(/export directory/);
  });
});

/** Reads every host's values back out of the three formats, the way each daemon splits them. */
function readBack(snap: FleetSnapshot, network: string) {
  // dhcpd: each group's boot statements (iPXE: the client's own script, its URL made from its MAC),
  // then its hosts' declarations; listed in host-name order
  const dhcpd = [...generateDhcpd(snap, network).matchAll(/^ {2}group \{\n([^]*?)^ {2}\}\n/gm)]
    .flatMap((g) => {
      const boot =
        /^ {4}next-server \S+;\n {4}if .*\n {6}filename = concat\("([^"\\]*)", (.*), "([^"\\]*)"\);\n {4}\} elsif .*\n(?: {6}option vendor-class-identifier "HTTPClient";\n {6}option dhcp-parameter-request-list .*\n {6}filename "([^"\\]*)";\n| {6}# Secure Boot: no answer to UEFI HTTP boot .*\n) {4}\} elsif .*\n {6}filename "([^"\\]*)";\n/.exec(
          g[1]!,
        )!;
      expect(boot[2]).toBe([1, 2, 3, 4, 5, 6].map((i) => `suffix(concat("0", binary-to-ascii(16, 8, "", substring(hardware, ${i}, 1))), 2)`).join(', "-", '));
      return [
        ...g[1]!.matchAll(
          /^ {4}host (\S+) \{\n {6}hardware ethernet (\S+);\n {6}fixed-address (\S+);\n {6}option host-name "([^"\\]*)";\n {6}option root-path "([^"\\]*)";\n {4}\}\n/gm,
        ),
      ].map((m) => ({
        name: m[1],
        mac: m[2],
        ip: m[3],
        hostname: m[4],
        rootPath: m[5],
        // what dhcpd makes of the expression for this client: the MAC's bytes, two hex digits each
        url: `${boot[1]}${m[2]!.replace(/:/g, "-")}${boot[3]}`,
        // http: null where the HTTP boot branch is the empty one of a Secure Boot host (no file, no option 60)
        http: boot[4] ?? null,
        efi: boot[5],
      }));
    })
    .sort((a, b) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0));
  const kea = (
    JSON.parse(generateKea(snap, network)).Dhcp4.subnet4[0].reservations as {
      "hw-address": string;
      "ip-address": string;
      hostname: string;
      "option-data": { data: string }[];
      "client-classes"?: string[];
    }[]
  ).map((r) => {
    const data = r["option-data"][0]!.data;
    // Kea splits option data at commas not preceded by a backslash
    expect(data).not.toMatch(/(^|[^\\]),/);
    const secureBoot = r["client-classes"] !== undefined;
    if (secureBoot) expect(r["client-classes"]).toEqual(["afsboot-secure-boot"]);
    return { mac: r["hw-address"], ip: r["ip-address"], hostname: r.hostname, rootPath: data.replace(/\\,/g, ","), secureBoot };
  });
  const conf = generateDnsmasqConf(snap, network);
  const roots = new Map([...conf.matchAll(/^dhcp-option=tag:net-\S+?,tag:(root-[0-9a-f]{16}),option:root-path,"([^"\\]*)"$/gm)].map((m) => [m[1], m[2]]));
  const hostsLines = generateDnsmasqHosts(snap, network)
    .split("\n")
    .filter((l) => l && !l.startsWith("#"));
  const dnsmasqHosts = hostsLines.map((l) => {
    const f = l.split(",");
    // a host with Secure Boot sets the tag secure-boot after its root tag
    const secureBoot = f[3] === "set:secure-boot";
    if (secureBoot) f.splice(3, 1);
    expect(f).toHaveLength(5);
    expect(f[1]).toBe("id:*");
    expect(f[4]).toMatch(/^"[^",\\#]+"$/);
    return { mac: f[0], ip: f[3], hostname: f[4]!.slice(1, -1), rootPath: roots.get(f[2]!.replace(/^set:/, "")), secureBoot };
  });
  return { dhcpd, kea, dnsmasqHosts };
}

describe("no value breaks out of its quoting (property)", () => {
  it("every host's values read back intact from all three formats", () => {
    fc.assert(
      fc.property(arbFleet(), (snap) => {
        for (const net of snap.networks) {
          const hosts = snap.hosts.filter((h) => h.network === net.name);
          const want = hosts.map((h) => ({
            name: h.name,
            mac: h.mac,
            ip: h.ip,
            rootPath: `afs:${h.cell}:${snap.versions.find((v) => v.release === h.release)!.tree}`,
            url: `http://${net.bootServer}/ipxe/01-${h.mac.replace(/:/g, "-")}.ipxe`,
            secureBoot: h.secureBoot === true,
          }));
          const got = readBack(snap, net.name);
          // UEFI firmware PXE of a host with Secure Boot gets shim, its UEFI HTTP boot nothing; the others iPXE
          expect(got.dhcpd).toEqual(
            want.map(({ secureBoot, ...w }) => ({
              ...w,
              hostname: w.name,
              efi: secureBoot ? "shimx64.efi" : "snponly.efi",
              http: secureBoot ? null : `http://${net.bootServer}/snponly.efi`,
            })),
          );
          expect(got.kea).toEqual(want.map((w) => ({ mac: w.mac, ip: w.ip, hostname: w.name, rootPath: w.rootPath, secureBoot: w.secureBoot })));
          expect(got.dnsmasqHosts).toEqual(want.map((w) => ({ mac: w.mac, ip: w.ip, hostname: w.name, rootPath: w.rootPath, secureBoot: w.secureBoot })));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("scale", () => {
  it("generates the files of 10,000 hosts (time printed, not asserted)", () => {
    const base = parseIpv4("10.64.0.0")!;
    const snap: FleetSnapshot = {
      ...FIXTURE,
      networks: [{ ...FIXTURE.networks[0]!, name: "big", subnet: "10.64.0.0/18", gateway: "10.64.0.1", bootServer: "10.64.0.2" }],
      hosts: Array.from({ length: 10_000 }, (_, i) => ({
        ...FIXTURE.hosts[0]!,
        name: `node${String(i).padStart(5, "0")}`,
        mac: `52:54:00:${[16, 8, 0].map((s) => ((i >> s) & 255).toString(16).padStart(2, "0")).join(":")}`,
        ip: formatIpv4(base + 10 + i),
        network: "big",
      })),
    };
    const t0 = performance.now();
    const files = dhcpFiles(snap, OPTS);
    const ms = performance.now() - t0;
    const bytes = files.reduce((n, f) => n + f.content.length, 0);
    console.log(`dhcpFiles, 10,000 hosts: ${ms.toFixed(0)} ms for ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB`);
    expect(files).toHaveLength(4);
  });
});

describe("several boot servers per network", () => {
  it("discovery slices are disjoint, in order and cover the whole range; a server left without an address gets none", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 8 }), (size, n) => {
        const range = { first: "10.0.1.0", last: formatIpv4(parseIpv4("10.0.1.0")! + size) };
        const slices = Array.from({ length: n }, (_, i) => discoverySlice(range, i, n));
        const covered = slices.flatMap((s) => (s ? [[parseIpv4(s.first)!, parseIpv4(s.last)!] as const] : []));
        expect(covered[0]![0]).toBe(parseIpv4(range.first));
        expect(covered.at(-1)![1]).toBe(parseIpv4(range.last));
        covered.forEach(([a, b], i) => {
          expect(a).toBeLessThanOrEqual(b);
          if (i > 0) expect(a).toBe(covered[i - 1]![1] + 1);
        });
        expect(slices.filter((s) => s === null).length).toBe(Math.max(0, n - (size + 1)));
      }),
    );
  });

  it("a boot server in two networks with different partners or modes is refused with both networks named (one Kea HA relationship per server)", () => {
    const lab = FAILOVER_FIXTURE.networks[0]!;
    const twin = { ...lab, name: "lab-ha-2", subnet: "10.0.5.0/24", gateway: "10.0.5.1", discoveryRange: null };
    const other = { ...twin, bootServers: [lab.bootServers![0]!, { name: "boot9", address: "10.0.5.9" }] };
    const base = { ...FAILOVER_FIXTURE, networks: [lab, other], hosts: FAILOVER_FIXTURE.hosts.filter((h) => h.network === "lab-ha") };
    expect(() => dhcpFiles(base, OPTS)).toThrow(/boot server boot1 serves networks lab-ha \(boot servers boot1, boot2\) and lab-ha-2 \(boot1, boot9\)/);
    const mode = { ...base, networks: [lab, { ...twin, dhcpFailover: "load-balancing" as const }] };
    expect(() => dhcpFiles(mode, OPTS)).toThrow(/one Kea HA relationship has one mode/);
    // the same pair and mode: one Kea file per server with both subnets
    const same = dhcpFiles({ ...base, networks: [lab, twin] }, OPTS);
    const kea = JSON.parse(same.find((f) => f.path === LAYOUT.serverKea("boot2"))!.content);
    expect(kea.Dhcp4.subnet4.map((s: { subnet: string; "next-server": string }) => [s.subnet, s["next-server"]])).toEqual([
      ["10.0.0.0/24", "10.0.0.3"],
      ["10.0.5.0/24", "10.0.0.3"],
    ]);
  });

  it("a network with one named boot server keeps the one-server files, its dnsmasq reading the hosts file from the server's copy", () => {
    const lab = { ...FIXTURE.networks[0]!, bootServers: [{ name: "boot1", address: "10.0.0.1", exportDir: "/srv/boot1/current" }] };
    const files = dhcpFiles({ ...FIXTURE, networks: [lab, FIXTURE.networks[1]!] }, OPTS);
    expect(files.map((f) => f.path).slice(0, 4)).toEqual(["dhcp/dhcpd-lab.conf", "dhcp/kea-dhcp4-lab.json", "dhcp/dnsmasq-lab.conf", "dhcp/dnsmasq-lab.hosts"]);
    expect(files.find((f) => f.path === "dhcp/dnsmasq-lab.conf")!.content).toContain("dhcp-hostsfile=/srv/boot1/current/dhcp/dnsmasq-lab.hosts");
  });
});
