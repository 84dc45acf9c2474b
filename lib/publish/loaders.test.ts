import { afterAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findLoaders, LOADER_SOURCES, missingForSecureBoot } from "./loaders";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-loaders-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const put = (r: string, rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, r, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, r, rel), text);
};

describe("boot loaders", () => {
  it("finds each at its Debian path, the first root that has it winning; directories and missing roots do not count", () => {
    put("a", "usr/lib/ipxe/snponly.efi", "from a");
    put("b", "usr/lib/ipxe/snponly.efi", "from b");
    put("b", "usr/lib/shim/shimx64.efi.signed", "shim");
    fs.mkdirSync(path.join(root, "a/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"), { recursive: true });
    fs.symlinkSync(path.join(root, "b/usr/lib/shim/shimx64.efi.signed"), path.join(root, "b/usr/lib/ipxe/undionly.kpxe"));
    const found = findLoaders([path.join(root, "missing"), path.join(root, "a"), path.join(root, "b")]);
    expect(found.map((f) => `${f.name} ${path.relative(root, f.source)} ${f.size}`)).toEqual([
      "undionly.kpxe b/usr/lib/ipxe/undionly.kpxe 4",
      "snponly.efi a/usr/lib/ipxe/snponly.efi 6",
      "shimx64.efi b/usr/lib/shim/shimx64.efi.signed 4",
    ]);
    expect(found[1]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("Secure Boot hosts need shim and the signed GRUB: the message names both packages and where it looked", () => {
    const roots = ["/"];
    const shim = { name: "shimx64.efi", source: "/x", sha256: "0".repeat(64), size: 1 };
    const grub = { name: "grubx64.efi", source: "/y", sha256: "0".repeat(64), size: 1 };
    expect(missingForSecureBoot([], [], roots)).toBeNull();
    expect(missingForSecureBoot([shim, grub], ["sb1"], roots)).toBeNull();
    expect(missingForSecureBoot([shim], ["sb1", "sb2", "sb3", "sb4", "sb5"], roots)).toBe(
      "Secure Boot hosts (sb1, sb2, sb3 and 2 more) boot through grubx64.efi, which is not installed: install grub-efi-amd64-signed on the console's machine " +
        "(looked for /usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed; AFSBOOT_LOADER_ROOTS lists where to look)",
    );
    expect(missingForSecureBoot([], ["sb1"], roots)).toMatch(
      /^Secure Boot hosts \(sb1\) boot through shimx64\.efi and grubx64\.efi, which are not installed: install shim-signed and grub-efi-amd64-signed/,
    );
  });

  it("names every loader once, at the export root", () => {
    expect(new Set(LOADER_SOURCES.map((l) => l.name)).size).toBe(LOADER_SOURCES.length);
    for (const l of LOADER_SOURCES) expect(l.name).not.toContain("/");
  });
});
