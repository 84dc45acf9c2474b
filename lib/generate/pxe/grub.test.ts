import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { hostname as hostnameSchema, kernelArgs as kernelArgsSchema } from "@/lib/validation/host";
import { FAILOVER_FIXTURE, FIXTURE, overlaysFor } from "../fixtures";
import { LAYOUT, servingPoints, type FleetSnapshot, type SnapHost } from "../snapshot";
import { MAX_CMDLINE, kernelCmdline } from "./cmdline";
import { grubWord } from "./grub";
import { lexGrub, runGrub, words } from "./grub-lexer.test";
import { PxeGenerateError, generateGrub, generateGrubCfg, pxeFiles } from "./index";

// GRUB configs for Secure Boot hosts, checked by what GRUB does with them: a model of its lexer
// and of the commands the configs use (grub-lexer.test.ts) runs them, and GRUB's own
// grub-script-check (Debian: grub-common) reads them. The lab's firmware tests boot them for real.

const host = (snap: FleetSnapshot, name: string) => snap.hosts.find((h) => h.name === name)!;
const versionOf = (snap: FleetSnapshot, h: SnapHost) => snap.versions.find((v) => v.release === h.release && v.version === h.version)!;
const overlayOf = (snap: FleetSnapshot, h: SnapHost) => {
  const sha = overlaysFor(snap).get(`${h.release}@${h.version}/${h.cell}`)!;
  return LAYOUT.overlay(h.release, h.version, h.cell, sha);
};
const PREFIX = "(tftp,10.0.0.1)/grub";

describe("grub/grub.cfg", () => {
  const cfg = generateGrubCfg();

  it("runs the booting NIC's own file: LAYOUT.grub of its MAC, under $prefix", () => {
    for (const mac of ["52:54:00:12:34:57", "02:00:ac:10:00:66", "00:00:00:00:00:00", "ff:ee:dd:cc:bb:aa"]) {
      const out = runGrub(cfg, { net_default_mac: mac, prefix: PREFIX });
      expect(out).toEqual({ end: "configfile", file: `${PREFIX}/${LAYOUT.grub(mac).slice("grub/".length)}`, echoed: [] });
      expect(`grub/${out.end === "configfile" && out.file.slice(PREFIX.length + 1)}`).toBe(LAYOUT.grub(mac));
    }
  });

  it("sends a machine without a file of its own back to the firmware after saying why", () => {
    for (const mac of ["52:54:00:12:34:99", "52:54:00:AB:CD:EF", "52-54-00-12-34-57", ""]) {
      const missing = runGrub(cfg, { net_default_mac: mac, prefix: PREFIX }, undefined, () => false);
      expect(missing).toMatchObject({ end: "exit", slept: 10 });
      expect(missing.echoed).toEqual([`AFSBoot: ${mac} is not enrolled for Secure Boot (no boot config for it): back to the firmware in 10 s`]);
    }
    // a MAC that is not lower-case aa:bb:… never names a file
    expect(runGrub(cfg, { net_default_mac: "52:54:00:AB:CD:EF", prefix: PREFIX })).toMatchObject({ end: "exit" });
  });

  it("is written whatever the fleet, and the same for every machine", () => {
    const none = pxeFiles({ ...FIXTURE, versions: [], hosts: [] }, new Map());
    expect(none.find((f) => f.path === LAYOUT.grubCfg)!.content).toBe(cfg);
    expect(pxeFiles(FIXTURE, overlaysFor(FIXTURE)).find((f) => f.path === LAYOUT.grubCfg)!.content).toBe(cfg);
  });
});

describe("a Secure Boot host's GRUB config", () => {
  const overlays = overlaysFor(FIXTURE);
  const node002 = host(FIXTURE, "node002");

  it("loads the kernel with the host's command line and both initrds, base first, over TFTP from its boot server", () => {
    for (const h of FIXTURE.hosts.filter((x) => x.secureBoot)) {
      const v = versionOf(FIXTURE, h);
      const at = `(tftp,${servingPoints(FIXTURE.networks.find((n) => n.name === h.network)!)[0]!.address})/`;
      const out = runGrub(generateGrub(FIXTURE, h, overlays), { net_default_mac: h.mac, net_default_server: "10.9.9.9" });
      expect(out).toMatchObject({
        end: "boot",
        kernel: `${at}${LAYOUT.image(v.kernel)}`,
        args: kernelCmdline(FIXTURE, h, overlays.get(`${h.release}@${h.version}/${h.cell}`)!).split(" "),
        initrds: [`${at}${LAYOUT.image(v.baseInitrd)}`, `${at}${overlayOf(FIXTURE, h)}`],
        echoed: [`AFSBoot: booting ${h.name} (${h.release}@${h.version})`],
      });
    }
  });

  it("waits and reboots when its boot server does not give it all three files", () => {
    const text = generateGrub(FIXTURE, node002, overlays);
    const out = runGrub(text, { net_default_mac: node002.mac }, () => false);
    expect(out).toMatchObject({ end: "reboot", slept: 30, tries: ["linux 10.0.0.1"] });
    expect(out.echoed.at(-1)).toBe("AFSBoot: node002 (deb-12@3) could not load its boot files, rebooting in 30 s");
  });

  it("exists only for hosts with Secure Boot: the others cost nothing and get no file", () => {
    const files = pxeFiles(FIXTURE, overlays);
    expect(files.filter((f) => f.path.startsWith("grub/01-")).map((f) => f.path)).toEqual(
      FIXTURE.hosts
        .filter((h) => h.secureBoot)
        .map((h) => LAYOUT.grub(h.mac))
        .sort(),
    );
    expect(() => generateGrub(FIXTURE, host(FIXTURE, "node001"), overlays)).toThrow("host node001 does not boot with Secure Boot: it has no GRUB config");
    // absent and false are the same
    const off = { ...FIXTURE, hosts: FIXTURE.hosts.map((h) => ({ ...h, secureBoot: false })) };
    expect(pxeFiles(off, overlays).filter((f) => f.path.startsWith("grub/"))).toEqual(files.filter((f) => f.path === LAYOUT.grubCfg));
  });

  it("refuses a version without a signed kernel, and one without signed modules on an OpenAFS cell, saying what to change", () => {
    const unsigned = { ...FIXTURE, versions: FIXTURE.versions.map((v) => ({ ...v, signedKernel: false })) };
    expect(() => pxeFiles(unsigned, overlays)).toThrow(
      "host node002 boots with Secure Boot, but release version deb-12@3 does not have a signed kernel (shim and GRUB refuse an unsigned one): " +
        "use a version whose kernel is signed (Debian's linux-image-*-amd64 are) and mark it so, or turn Secure Boot off for the host",
    );
    // OpenAFS: openafs.ko must be signed too; kAFS is the kernel's own
    const openafs = { ...FIXTURE, cells: FIXTURE.cells.map((c) => ({ ...c, client: "openafs" as const })) };
    expect(() => generateGrub(openafs, node002, overlays)).not.toThrow();
    const noModules = { ...openafs, versions: FIXTURE.versions.map((v) => ({ ...v, signedModules: false })) };
    expect(() => generateGrub(noModules, node002, overlays)).toThrow(
      /^host node002 boots with Secure Boot on cell example\.org, whose OpenAFS kernel module the kernel loads only when it is signed, but release version deb-12@3 does not have signed modules: .*move the host to a kAFS cell/,
    );
    expect(() => generateGrub({ ...FIXTURE, versions: FIXTURE.versions.map((v) => ({ ...v, signedModules: false })) }, node002, overlays)).not.toThrow();
    // the OpenAFS host r-01 (rh-7.3, nothing signed) with Secure Boot
    const r01 = { ...FIXTURE, hosts: FIXTURE.hosts.map((h) => (h.name === "r-01" ? { ...h, secureBoot: true } : h)) };
    expect(() => pxeFiles(r01, overlays)).toThrow(/^host r-01 boots with Secure Boot, but release version rh-7\.3@1 does not have a signed kernel/);
  });

  it("counts GRUB's BOOT_IMAGE=<kernel path> in the command line's length, to the byte", () => {
    const v = versionOf(FIXTURE, node002);
    const loader = `BOOT_IMAGE=(tftp,10.0.0.1)/${LAYOUT.image(v.kernel)} `.length;
    const base = kernelCmdline(FIXTURE, { ...node002, kernelArgs: null }, overlays.get("deb-12@3/example.org")!).length;
    const pad = (n: number) => ({ ...node002, kernelArgs: `x=${"y".repeat(n - 3)}` }); // " x=yyy…": n bytes more
    const fits = MAX_CMDLINE - loader - base;
    expect(() => generateGrub(FIXTURE, pad(fits), overlays)).not.toThrow();
    expect(() => generateGrub(FIXTURE, pad(fits + 1), overlays)).toThrow(
      `host node002: kernel command line is ${MAX_CMDLINE + 1} bytes, more than the kernel's ${MAX_CMDLINE}`,
    );
  });

  it("keeps the duplicate-MAC check: two Secure Boot hosts with one MAC are refused, naming both", () => {
    const twin = { ...node002, name: "twin", ip: "10.0.0.99" };
    expect(() => pxeFiles({ ...FIXTURE, hosts: [...FIXTURE.hosts, twin] }, overlays)).toThrow(
      "grub/01-52-54-00-12-34-57.cfg would be written twice (hosts node002, twin share a MAC)",
    );
  });
});

describe("a Secure Boot host's GRUB config on a network with several boot servers", () => {
  const snap = FAILOVER_FIXTURE;
  const files = pxeFiles(snap, overlaysFor(snap));
  const text = (mac: string) => files.find((f) => f.path === LAYOUT.grub(mac))!.content;
  // their golden files: failover.test.ts, beside the iPXE scripts

  it("negative control: the model sees a chain that gives up before trying the next server", () => {
    const h = host(snap, "node002");
    const broken = text(h.mac).replace("else\n  afsboot_server_0\n  afsboot_server_1\n", "else\n  afsboot_server_0\n");
    expect(broken).not.toBe(text(h.mac));
    expect(runGrub(text(h.mac), { net_default_server: "10.0.0.2" }, (a) => a === "10.0.0.3")).toMatchObject({ end: "boot" });
    expect(runGrub(broken, { net_default_server: "10.0.0.2" }, (a) => a === "10.0.0.3")).toMatchObject({ end: "reboot" });
  });

  for (const h of snap.hosts.filter((x) => x.secureBoot)) {
    const servers = servingPoints(snap.networks.find((n) => n.name === h.network)!);
    const v = versionOf(snap, h);

    it(`${h.name}: every combination of servers up and every DHCP server: boots from the first live server from the DHCP server's on, or reboots when none lives`, () => {
      const script = text(h.mac);
      const cmdline = kernelCmdline(snap, h, overlaysFor(snap).get(`${h.release}@${h.version}/${h.cell}`)!).split(" ");
      fc.assert(
        fc.property(fc.array(fc.boolean(), { minLength: servers.length, maxLength: servers.length }), fc.nat(servers.length - 1), (alive, dhcp) => {
          const live = new Set(servers.filter((_, i) => alive[i]).map((s) => s.address));
          const out = runGrub(script, { net_default_mac: h.mac, net_default_server: servers[dhcp]!.address }, (a) => live.has(a));
          const order = servers.map((_, k) => servers[(dhcp + k) % servers.length]!);
          const expected = order.find((s) => live.has(s.address));
          const kernels = "tries" in out ? out.tries.filter((t) => t.startsWith("linux")) : [];
          if (!expected) {
            expect(out).toMatchObject({ end: "reboot", slept: 30 });
            expect(kernels).toEqual(order.map((s) => `linux ${s.address}`));
            return;
          }
          expect(out.end, JSON.stringify(out)).toBe("boot");
          if (out.end !== "boot") return;
          const at = `(tftp,${expected.address})/`;
          expect(out.kernel).toBe(`${at}${LAYOUT.image(v.kernel)}`);
          expect(out.initrds).toEqual([`${at}${LAYOUT.image(v.baseInitrd)}`, `${at}${overlayOf(snap, h)}`]);
          expect(out.args).toEqual([...cmdline, `afsboot.bootserver=${expected.name}`]);
          expect(kernels).toEqual(order.slice(0, order.indexOf(expected) + 1).map((s) => `linux ${s.address}`));
        }),
        { numRuns: 40 },
      );
    });

    it(`${h.name}: a server that dies after the kernel came (its initrds fail): the next server's block loads everything again`, () => {
      let kernelCame = false;
      const out = runGrub(text(h.mac), { net_default_server: servers[0]!.address }, (a) => {
        if (a !== servers[0]!.address) return true;
        if (!kernelCame) return (kernelCame = true);
        return false;
      });
      expect(out).toMatchObject({ end: "boot", kernel: `(tftp,${servers[1]!.address})/${LAYOUT.image(v.kernel)}` });
      expect("tries" in out && out.tries.slice(0, 3)).toEqual([
        `linux ${servers[0]!.address}`,
        `initrd ${servers[0]!.address}`,
        `linux ${servers[1]!.address}`,
      ]);
    });
  }
});

// GRUB's own syntax check (Debian: grub-common). It reads the script as GRUB does and exits non-zero
// on a syntax error; it does not run commands.
const CHECK = "/usr/bin/grub-script-check";
describe.skipIf(!fs.existsSync(CHECK))("grub-script-check", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-grub-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const check = (text: string) => {
    const file = path.join(tmp, "grub.cfg");
    fs.writeFileSync(file, text);
    const r = spawnSync(CHECK, [file], { encoding: "utf8" });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  };

  it("accepts grub.cfg and every host's file, with one boot server and with several", () => {
    for (const snap of [FIXTURE, FAILOVER_FIXTURE]) {
      for (const f of pxeFiles(snap, overlaysFor(snap)).filter((x) => x.path.startsWith("grub/"))) {
        const r = check(f.content);
        expect(r.ok, `${f.path}:\n${r.output}`).toBe(true);
      }
    }
  });

  it("negative control: refuses an if without fi and an unterminated quote", () => {
    const text = generateGrub(FIXTURE, host(FIXTURE, "node002"), overlaysFor(FIXTURE));
    expect(check(text.replace(/ {2}fi\n/, "")).ok).toBe(false);
    expect(check(text.replace("'AFSBoot: booting", "'AFSBoot: booting'")).ok).toBe(false);
  });
});

describe("quoting (properties)", () => {
  it("grubWord reads back as exactly its value, nothing expanded, for every string without a control character", () => {
    const text = fc.string({ unit: "binary", maxLength: 40 });
    fc.assert(
      fc.property(text, (s) => {
        if (/[\x00-\x1f\x7f]/.test(s)) {
          expect(() => grubWord("test", s)).toThrow(PxeGenerateError);
          return;
        }
        const lexed = lexGrub(`echo ${grubWord("test", s)} x`, () => "EXPANDED");
        expect(lexed).toEqual({ tokens: [{ word: "echo" }, { word: s }, { word: "x" }], expanded: [] });
      }),
      { numRuns: 1000 },
    );
    // the characters that matter most, explicitly
    for (const s of ["'", "''", "a'b", "$x", "${x}", '"', "\\", "\\'", "#", ";", "{ }", "|&<>", "é"]) {
      expect(words(`echo ${grubWord("test", s)}`, () => "EXPANDED")).toEqual(["echo", s]);
    }
  });

  // Candidates mostly of harmless characters, sometimes one that GRUB treats specially; the edge's
  // own schemas say which are accepted (the others never reach a snapshot).
  const candidate = (max: number, harmless = "abz09-._,:=/+@%ABZ ") =>
    fc.string({
      unit: fc.oneof({ weight: 40, arbitrary: fc.constantFrom(...harmless) }, { weight: 1, arbitrary: fc.constantFrom(..."'\"$\\{};#|&<>`é\t\nX.") }),
      minLength: 1,
      maxLength: max,
    });
  const node002 = host(FIXTURE, "node002");
  const overlays = overlaysFor(FIXTURE);

  /** The host's GRUB config with these fields, or the generator's refusal. */
  function build(name: string, kernelArgs: string | null, release = "deb-12") {
    const versions = FIXTURE.versions.map((v) => (v.release === "deb-12" ? { ...v, release } : v));
    const h = { ...node002, name, kernelArgs, release };
    const snap = { ...FIXTURE, versions, hosts: [h] };
    const sha = overlays.get("deb-12@3/example.org")!;
    return { h, snap, overlays: new Map([[`${release}@3/example.org`, sha]]), sha };
  }

  /** The linux line's words, and that every line of the file lexes with nothing expanded. */
  function linuxWords(text: string): string[] {
    const lines = text.split("\n");
    expect(lines.length).toBe(generateGrub(FIXTURE, node002, overlays).split("\n").length);
    for (const line of lines) expect(lexGrub(line, () => "EXPANDED").expanded).toEqual([]);
    const tokens = lexGrub(lines.find((l) => l.startsWith("if linux "))!).tokens;
    const semi = tokens.findIndex((t) => "op" in t);
    expect(tokens.slice(0, 2)).toEqual([{ word: "if" }, { word: "linux" }]);
    expect(tokens.slice(semi)).toEqual([{ op: ";" }, { word: "then" }]);
    return tokens.slice(2, semi).map((t) => ("word" in t ? t.word : ""));
  }

  /** The linux line says exactly the kernel path and the command line's words, the echo line the host's label. */
  function expectExactly(text: string, { h, snap, sha }: Pick<ReturnType<typeof build>, "h" | "snap" | "sha">) {
    const v = versionOf(snap, h);
    expect(linuxWords(text)).toEqual([`(tftp,10.0.0.1)/${LAYOUT.image(v.kernel)}`, ...kernelCmdline(snap, h, sha).split(" ")]);
    expect(words(text.split("\n").find((l) => l.startsWith("echo "))!)).toEqual(["echo", `AFSBoot: booting ${h.name} (${h.release}@3)`]);
  }

  it("for host names and kernel arguments the validation accepts, the linux line's words are exactly the kernel path and the command line's words", () => {
    let accepted = 0;
    fc.assert(
      fc.property(candidate(30, "abcxyz0189-"), fc.array(candidate(24), { maxLength: 6 }), (rawName, rawArgs) => {
        const name = hostnameSchema.safeParse(rawName);
        const args = kernelArgsSchema.safeParse(rawArgs.join(" "));
        if (!name.success || (rawArgs.length > 0 && !args.success)) return;
        accepted++;
        const built = build(name.data, rawArgs.length ? args.data! : null);
        expectExactly(generateGrub(built.snap, built.h, built.overlays), built);
      }),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it("whatever the host name, release name and kernel arguments: refused at generation, or the linux line's words are exactly what was meant", () => {
    let emitted = 0;
    fc.assert(
      fc.property(candidate(20), fc.option(candidate(30), { nil: null }), candidate(12), (name, kernelArgs, release) => {
        const { h, snap, overlays: o, sha } = build(name, kernelArgs, release);
        let text: string;
        try {
          text = generateGrub(snap, h, o);
        } catch (e) {
          expect(e).toBeInstanceOf(PxeGenerateError);
          return;
        }
        emitted++;
        expectExactly(text, { h, snap, sha });
      }),
      { numRuns: 1500 },
    );
    expect(emitted).toBeGreaterThan(50);
  });
});
