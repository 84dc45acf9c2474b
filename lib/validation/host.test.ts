import { describe, expect, it } from "vitest";
import { fieldErrors } from "./common";
import { hostInput } from "./host";
import { versionInput } from "./release";

const host = { name: "node001", mac: "AA-BB-CC-00-00-01", ip: "10.0.0.11", cell: "Example.org", release: "rh-7.3@1", tags: "b a, a" };
const errorsOf = (schema: typeof hostInput | typeof versionInput, input: object) => {
  const r = schema.safeParse(input);
  return r.success ? {} : fieldErrors(r.error);
};

describe("hostInput", () => {
  it("normalises MAC, cell, tags and parses the release reference", () => {
    expect(hostInput.parse(host)).toMatchObject({
      mac: "aa:bb:cc:00:00:01",
      cell: "example.org",
      tags: ["a", "b"],
      release: { release: "rh-7.3", version: "1" },
    });
    expect(hostInput.parse({ ...host, release: "rh-7.3" }).release).toEqual({ release: "rh-7.3", version: null });
  });
  it.each([
    ["mac", "01:00:5e:00:00:01", "multicast"],
    ["mac", "zz", "not a MAC"],
    ["name", "node;reboot", "shell"],
    ["release", "rh@1@2", "rh-7.3@1"],
    ["kernelArgs", "quiet 'x'", "may use"],
    ["kernelArgs", "quiet afsboot.token=steal", "console sets those"],
    ["kernelArgs", "initrd=evil.img", "console sets those"],
    ["tmpfsSize", "lots", "256M"],
    ["nicModule", "e1000;x", "Module"],
  ])("refuses %s=%j", (field, value, message) => expect(errorsOf(hostInput, { ...host, [field]: value })[field]).toContain(message));
  it.each(["", "   "])("an empty MAC (%j) is required, not a malformed one", (mac) =>
    expect(errorsOf(hostInput, { ...host, mac }).mac).toBe("MAC is required"),
  );
  it("allows ordinary kernel arguments", () =>
    expect(hostInput.parse({ ...host, kernelArgs: "console=ttyS0,115200 quiet afsboot.debug=1" }).kernelArgs).toBe(
      "console=ttyS0,115200 quiet afsboot.debug=1",
    ));
});

describe("versionInput", () => {
  const v = {
    version: "1",
    kernel: "vmlinuz-6.1",
    baseInitrd: "initrd.img",
    modules: "e1000 virtio_net",
    readonly: "bin, usr, var/lib/rpm",
    writable: "etc var",
  };
  it("parses lists from a form", () =>
    expect(versionInput.parse(v)).toMatchObject({ modules: ["e1000", "virtio_net"], readonly: ["bin", "usr", "var/lib/rpm"], tmpfsSize: "256M" }));
  it.each([
    ["kernel", "vmlinuz,evil", "plain file name"],
    ["kernel", "/boot/vmlinuz", "no '/'"],
    ["kernel", "boot/vmlinuz", "no '/'"],
    ["baseInitrd", "../initrd", "plain file name"],
    ["baseInitrd", ".initrd", "not starting with '.'"],
    ["readonly", "", "at least one"],
    ["writable", "usr", "also read-only"],
    ["tmpfsSize", "101%", "256M"],
    ["version", "-1", "Version may use"],
  ])("refuses %s=%j", (field, value, message) => {
    const e = errorsOf(versionInput, { ...v, [field]: value });
    expect(Object.entries(e).find(([k]) => k === field || k.startsWith(`${field}.`))?.[1]).toContain(message);
  });
});

describe("Secure Boot at the edge", () => {
  const v = { version: "1", kernel: "vmlinuz", baseInitrd: "initrd.img", modules: "", readonly: "usr", writable: "" };
  it.each([
    [undefined, null],
    [null, null],
    ["", null],
    ["on", true],
    ["off", false],
    [true, true],
    [false, false],
  ])("a host's secureBoot %j is %j (null or absent: the network's default)", (value, want) =>
    expect(hostInput.parse({ ...host, secureBoot: value }).secureBoot ?? null).toBe(want),
  );
  it.each(["yes", 1, "maybe", {}])("refuses a host's secureBoot %j, naming the field", (value) =>
    expect(errorsOf(hostInput, { ...host, secureBoot: value }).secureBoot).toBe("Secure Boot must be true, false or null (the network's default)"),
  );
  it.each([
    [undefined, null],
    [null, null],
    ["", null],
    ["tpm", "tpm"],
    ["port", "port"],
    ["none", "none"],
    [" tpm ", "tpm"],
  ])("a host's identity %j is %j (null, empty or absent: the network's)", (value, want) =>
    expect(hostInput.parse({ ...host, identity: value }).identity ?? null).toBe(want),
  );
  it.each(["ssh", "TPM", 1, true, {}])("refuses a host's identity %j, naming the field and the weaker mode", (value) =>
    expect(errorsOf(hostInput, { ...host, identity: value }).identity).toBe(
      "Identity must be none, tpm, port (source address + privileged port, weaker) or null (the network's)",
    ),
  );
  it.each([
    [{}, false, false],
    [{ signedKernel: "on" }, true, false],
    [{ signedKernel: true, signedModules: true }, true, true],
    [{ signedKernel: false, signedModules: null }, false, false],
  ])("a version's signed flags %j (form checkboxes or JSON booleans; absent: false)", (flags, kernel, modules) =>
    expect(versionInput.parse({ ...v, ...flags })).toMatchObject({ signedKernel: kernel, signedModules: modules }),
  );
  it.each([
    ["signedKernel", "yes", "Signed kernel must be true or false"],
    ["signedModules", 1, "Signed modules must be true or false"],
  ])("refuses %s=%j", (field, value, message) => expect(errorsOf(versionInput, { ...v, [field]: value })[field]).toBe(message));
});
