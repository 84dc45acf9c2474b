import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIXTURE } from "../fixtures";
import type { FleetSnapshot, SnapHost } from "../snapshot";
import { FIXED_ARGS, MAX_CMDLINE, PxeGenerateError, kernelCmdline } from "./cmdline";
import { generateIpxe } from "./ipxe";
import { generatePxelinux } from "./pxelinux";

const SHA = "0123456789abcdef".repeat(4);
const host = (name: string) => FIXTURE.hosts.find((h) => h.name === name)!;

/** What /init does: split on spaces, key = up to the first "=". Returns the afsboot.* map and the rest. */
function parse(cmdline: string) {
  const afsboot = new Map<string, string>();
  const rest: string[] = [];
  for (const a of cmdline.split(" ")) {
    const eq = a.indexOf("=");
    if (a.startsWith("afsboot.") && eq > 0) {
      expect(afsboot.has(a.slice(0, eq)), `duplicate ${a}`).toBe(false);
      afsboot.set(a.slice(0, eq), a.slice(eq + 1));
    } else rest.push(a);
  }
  return { afsboot, rest };
}

describe("kernelCmdline", () => {
  it("puts fixed args, the afsboot.* contract and the host's extra args in a fixed order", () => {
    expect(kernelCmdline(FIXTURE, host("node002"), SHA)).toBe(
      "console=tty0 panic=60 afsboot.root=afs:example.org:/afs/example.org/boot/debian/12 afsboot.report=http://10.0.0.1:3000 " +
        `afsboot.token=tok-node002-xyz afsboot.host=node002 afsboot.overlay=${SHA} afsboot.release=deb-12@3 BOOTIF=01-52-54-00-12-34-57 ` +
        "afsboot.nic=e1000e afsboot.cache=32768 afsboot.tmpfs=1G afsboot.machineid=5e0b2c4d6f8a1b3c5d7e9f0a2b4c6d8e console=ttyS0,115200 loglevel=7",
    );
    // no overrides: no optional keys at all; no machine id stored: none on the line
    expect(kernelCmdline(FIXTURE, host("node001"), SHA)).not.toMatch(/afsboot\.(nic|cache|tmpfs)=/);
    expect(kernelCmdline(FIXTURE, { ...host("node001"), machineId: null }, SHA)).not.toMatch(/afsboot\.machineid=/);
  });

  it("names several report URLs in order, joined by commas (/init tries each in turn)", () => {
    const snap = {
      ...FIXTURE,
      networks: FIXTURE.networks.map((n) => (n.name === "lab" ? { ...n, reportUrls: ["http://10.0.0.1:3000", "http://10.0.0.9:3000"] } : n)),
    };
    const { afsboot } = parse(kernelCmdline(snap, host("node002"), SHA));
    expect(afsboot.get("afsboot.report")).toBe("http://10.0.0.1:3000,http://10.0.0.9:3000");
  });

  it("refuses extra args that would override what AFSBoot sets, or the loaders' initrd=", () => {
    for (const extra of [
      "afsboot.root=afs:x:/afs/x",
      "afsboot.token=abc",
      "initrd=evil.img",
      "quiet afsboot.discover=1",
      "afsboot.machineid=" + "1".repeat(32),
    ]) {
      expect(() => kernelCmdline(FIXTURE, { ...host("node001"), kernelArgs: extra }, SHA)).toThrow(PxeGenerateError);
    }
    // other afsboot.* keys (future /init switches) pass through
    expect(kernelCmdline(FIXTURE, { ...host("node001"), kernelArgs: "afsboot.debug=1" }, SHA)).toMatch(/ afsboot\.debug=1$/);
  });

  it("refuses a missing version or network, a bad sha and an over-long line", () => {
    expect(() => kernelCmdline(FIXTURE, { ...host("node001"), version: "9" }, SHA)).toThrow(/deb-12@9 is not in the snapshot/);
    expect(() => kernelCmdline(FIXTURE, { ...host("node001"), network: "nope" }, SHA)).toThrow(/network nope/);
    expect(() => kernelCmdline(FIXTURE, host("node001"), SHA.toUpperCase())).toThrow(/sha256/);
    expect(() => kernelCmdline(FIXTURE, { ...host("node001"), reportToken: "" }, SHA)).toThrow(/token/);
    for (const bad of ["0".repeat(32), "A".repeat(32), "1".repeat(31), `${"1".repeat(31)} x`]) {
      expect(() => kernelCmdline(FIXTURE, { ...host("node001"), machineId: bad }, SHA)).toThrow(/machine id/);
    }
    const long = Array.from({ length: 200 }, (_, i) => `x${i}=yyyyyyyy`).join(" ");
    expect(() => kernelCmdline(FIXTURE, { ...host("node001"), kernelArgs: long }, SHA)).toThrow(new RegExp(`more than the kernel's ${MAX_CMDLINE}`));
  });
});

// Field values as the validators admit them (and a bit beyond: the generator has its own set).
const word = (alphabet: string, max = 20) => fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: max });
const LABEL = "abcdefghijklmnopqrstuvwxyz0123456789-";
const SAFE = "ABCXYZabcxyz0123456789._,:=/+@%-";
const validHost = fc.record({
  name: word(LABEL, 30),
  cell: fc.array(word(LABEL, 10), { minLength: 1, maxLength: 3 }).map((l) => l.join(".")),
  tree: fc.array(word("abcXYZ0123._+@%=:,-", 12), { minLength: 1, maxLength: 4 }).map((s) => `/afs/${s.join("/")}`),
  reportUrl: fc
    .tuple(
      fc.constantFrom("http", "https"),
      word(LABEL, 20),
      fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
      fc.option(word("abcxyz0123-_./", 15), { nil: null }),
    )
    .map(([s, h, port, path]) => `${s}://${h}${port ? `:${port}` : ""}${path ? `/${path}` : ""}`),
  token: word("ABCXYZabcxyz0123456789_-", 43),
  nicModule: fc.option(word("abcxyz0123456789_-", 20), { nil: null }),
  cacheBlocks: fc.option(fc.integer({ min: 1024, max: 67108864 }), { nil: null }),
  tmpfsSize: fc.option(fc.constantFrom("90M", "2G", "50%", "524288k", "100%"), { nil: null }),
  machineId: fc.option(
    fc.stringMatching(/^[0-9a-f]{32}$/).filter((m) => !/^0+$/.test(m)),
    { nil: null },
  ),
  extra: fc.array(
    word(SAFE, 30).filter((a) => !/^(afsboot\.|initrd=|initrd$|BOOT_IMAGE)/.test(a)),
    { maxLength: 8 },
  ),
});

type HostFields = {
  name: string;
  cell: string;
  tree: string;
  reportUrl: string;
  token: string;
  nicModule: string | null;
  cacheBlocks: number | null;
  tmpfsSize: string | null;
  machineId: string | null;
  extra: string[];
};

function build(v: HostFields) {
  const snap: FleetSnapshot = {
    ...FIXTURE,
    networks: [{ ...FIXTURE.networks[0]!, reportUrl: v.reportUrl }],
    versions: [{ ...FIXTURE.versions[0]!, tree: v.tree }],
    hosts: [],
  };
  const h: SnapHost = {
    ...host("node001"),
    name: v.name,
    cell: v.cell,
    network: snap.networks[0]!.name,
    reportToken: v.token,
    nicModule: v.nicModule,
    cacheBlocks: v.cacheBlocks,
    tmpfsSize: v.tmpfsSize,
    machineId: v.machineId,
    kernelArgs: v.extra.length ? v.extra.join("  ") : null,
  };
  return { snap: { ...snap, hosts: [h] }, h };
}

describe("kernelCmdline properties", () => {
  it("parses back into exactly the inputs", () => {
    fc.assert(
      fc.property(validHost, (v) => {
        const { snap, h } = build(v);
        const { afsboot, rest } = parse(kernelCmdline(snap, h, SHA));
        expect(afsboot.get("afsboot.root")).toBe(`afs:${v.cell}:${v.tree}`);
        expect(afsboot.get("afsboot.report")).toBe(v.reportUrl);
        expect(afsboot.get("afsboot.token")).toBe(v.token);
        expect(afsboot.get("afsboot.host")).toBe(v.name);
        expect(afsboot.get("afsboot.overlay")).toBe(SHA);
        expect(afsboot.get("afsboot.release")).toBe("deb-12@3");
        expect(afsboot.get("afsboot.nic")).toBe(v.nicModule ?? undefined);
        expect(afsboot.get("afsboot.cache")).toBe(v.cacheBlocks === null ? undefined : String(v.cacheBlocks));
        expect(afsboot.get("afsboot.tmpfs")).toBe(v.tmpfsSize ?? undefined);
        expect(afsboot.get("afsboot.machineid")).toBe(v.machineId ?? undefined);
        expect(afsboot.size).toBe(6 + [v.nicModule, v.cacheBlocks, v.tmpfsSize, v.machineId].filter((x) => x !== null).length);
        expect(rest).toEqual([...FIXED_ARGS, `BOOTIF=01-${h.mac.replace(/:/g, "-")}`, ...v.extra]);
      }),
      { numRuns: 300 },
    );
  });

  // Anything that could end a pxelinux line, start an iPXE comment, expand an iPXE setting, quote,
  // split a value or chain an iPXE command.
  const BREAKERS = ["\n", "\r", "\t", " ", '"', "'", "`", "\\", "$", "${", "#", ";", "|", "&", "<", ">", "{", "}", "\0", "é"];
  const field = fc.constantFrom<"name" | "cell" | "tree" | "reportUrl" | "token" | "nicModule" | "tmpfsSize" | "extra">(
    "name",
    "cell",
    "tree",
    "reportUrl",
    "token",
    "nicModule",
    "tmpfsSize",
    "extra",
  );

  it("throws rather than emit a field carrying a breaking character", () => {
    fc.assert(
      fc.property(validHost, field, fc.constantFrom(...BREAKERS), fc.nat(), (v, f, bad, at) => {
        const inject = (s: string) => s.slice(0, at % (s.length + 1)) + bad + s.slice(at % (s.length + 1));
        const w: HostFields = { ...v };
        if (f === "extra") w.extra = [...v.extra, inject("quiet")];
        else if (f === "nicModule" || f === "tmpfsSize") w[f] = inject(v[f] ?? "x");
        else w[f] = inject(v[f]);
        if (bad === " " && f === "extra") return; // a space in kernelArgs only separates arguments
        const { snap, h } = build(w);
        expect(() => kernelCmdline(snap, h, SHA)).toThrow(PxeGenerateError);
        expect(() => generatePxelinux(snap, h, new Map([[`deb-12@3/${h.cell}`, SHA]]))).toThrow(PxeGenerateError);
        expect(() => generateIpxe(snap, h, new Map([[`deb-12@3/${h.cell}`, SHA]]))).toThrow(PxeGenerateError);
      }),
      { numRuns: 500 },
    );
  });

  it("never emits a config line with a breaking character, whatever the strings", () => {
    // mostly harmless characters, so that many cases get through to an emitted config
    const anyText = fc.string({
      maxLength: 12,
      unit: fc.oneof({ weight: 30, arbitrary: fc.constantFrom(..."aZ09.-_:/=%@+,") }, { weight: 1, arbitrary: fc.constantFrom(...BREAKERS) }),
    });
    let emitted = 0;
    fc.assert(
      fc.property(validHost, fc.record({ name: anyText, token: anyText, tree: anyText, reportUrl: anyText, extra: anyText }), (v, junk) => {
        const { snap, h } = build({
          ...v,
          name: junk.name || v.name,
          token: junk.token || v.token,
          tree: `/afs/${junk.tree}`,
          reportUrl: junk.reportUrl || v.reportUrl,
          extra: [junk.extra],
        });
        let out: string[];
        try {
          const overlays = new Map([[`deb-12@3/${h.cell}`, SHA]]);
          out = [generatePxelinux(snap, h, overlays), generateIpxe(snap, h, overlays)];
        } catch (e) {
          expect(e).toBeInstanceOf(PxeGenerateError);
          return;
        }
        emitted++;
        const [pxelinux, ipxe] = out;
        const append = pxelinux!
          .split("\n")
          .filter((l) => l.startsWith("  APPEND "))
          .map((l) => l.slice("  APPEND ".length));
        const kernel = ipxe!
          .split("\n")
          .filter((l) => l.startsWith("kernel "))
          .map((l) => l.replace(/^kernel \S+ /, "").replace(/ \|\| goto failed$/, ""));
        expect(append.length + kernel.length).toBe(2);
        for (const cmdline of [...append, ...kernel]) {
          expect(cmdline).toMatch(/^[!-~]+( [!-~]+)*$/); // printable ASCII words, single spaces: no newline, tab or NUL
          expect(cmdline).not.toMatch(/["'`\\$;|&#{}<>]/);
        }
      }),
      { numRuns: 500 },
    );
    expect(emitted).toBeGreaterThan(100);
  });
});
