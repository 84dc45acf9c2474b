import { describe, expect, it } from "vitest";
import { FIXTURE } from "@/lib/generate/fixtures";
import { bootChain, effectiveSecureBoot, secureBootProblem, secureBootSource, snapshotViolations, violationsMessage } from "./secure-boot";

const v = (signedKernel: boolean, signedModules: boolean) => ({ release: "deb12", version: "3", signedKernel, signedModules });
const kafs = { name: "example.org", client: "kafs" };
const openafs = { name: "openafs.example.org", client: "openafs" };

describe("Secure Boot rule", () => {
  it.each([
    [null, false, false],
    [null, true, true],
    [undefined, true, true],
    [true, false, true],
    [false, true, false],
  ])("own %j on a network defaulting to %j boots with Secure Boot %j", (own, network, want) => expect(effectiveSecureBoot(own, network)).toBe(want));

  it("needs a signed kernel, and on an OpenAFS cell signed modules too", () => {
    expect(secureBootProblem(v(false, true), kafs)).toBe(
      'Secure Boot needs a signed kernel: release deb12 version 3 has no kernel marked signed (a version is marked while it is a draft: make a new version with "Signed kernel" and activate it), or turn Secure Boot off for this host',
    );
    expect(secureBootProblem(v(true, false), kafs)).toBeNull();
    expect(secureBootProblem(v(true, false), openafs)).toBe(
      'Secure Boot needs signed modules on OpenAFS cell openafs.example.org: the openafs module must be signed: enrol the DKMS MOK key and boot a version marked "Signed modules" (release deb12 version 3 is not), or turn Secure Boot off for this host',
    );
    expect(secureBootProblem(v(true, true), openafs)).toBeNull();
    // the kernel first: without it nothing else matters
    expect(secureBootProblem(v(false, false), openafs)).toContain("signed kernel");
  });

  it("names the first host in full and the others by name", () => {
    const many = ["a", "b", "c", "d", "e", "f"].map((host) => ({ host, message: "why" }));
    expect(violationsMessage("Refused", many.slice(0, 1))).toBe("Refused: host a: why");
    expect(violationsMessage("Refused", many.slice(0, 3))).toBe("Refused: host a: why (also b, c)");
    expect(violationsMessage("Refused", many)).toBe("Refused: host a: why (also b, c, d and 2 more)");
  });

  it("finds the Secure Boot hosts of a snapshot that cannot boot their version (absent flags: false)", () => {
    // the fixture's versions, none marked signed
    const snap = {
      ...FIXTURE,
      versions: FIXTURE.versions.map((x) => ({ ...x, signedKernel: undefined, signedModules: undefined })),
      hosts: FIXTURE.hosts.map((h) => ({ ...h, secureBoot: false })),
    };
    expect(snapshotViolations(snap)).toEqual([]);
    const [first, ...rest] = snap.hosts;
    const on = { ...snap, hosts: [{ ...first!, secureBoot: true }, ...rest] };
    expect(snapshotViolations(on)).toEqual([{ host: first!.name, message: expect.stringContaining("Secure Boot needs a signed kernel") }]);
    const signed = { ...on, versions: on.versions.map((x) => ({ ...x, signedKernel: true, signedModules: true })) };
    expect(snapshotViolations(signed)).toEqual([]);
  });

  it("says which boot chain a host takes and where its setting comes from", () => {
    expect(bootChain({ mac: "52:54:00:aa:bb:cc", secureBoot: true })).toBe("UEFI Secure Boot: shim → GRUB (grub/01-52-54-00-aa-bb-cc.cfg) → signed kernel");
    expect(bootChain({ mac: "52:54:00:aa:bb:cc", secureBoot: false })).toBe("PXE/UEFI: iPXE (boot.ipxe → ipxe/01-52-54-00-aa-bb-cc.ipxe) → kernel");
    expect(secureBootSource({ secureBoot: null, network: "lab", networkSecureBoot: true })).toBe("on, inherited from network lab");
    expect(secureBootSource({ secureBoot: false, network: "lab", networkSecureBoot: true })).toBe("off, the host's own setting (network lab: on)");
  });
});
