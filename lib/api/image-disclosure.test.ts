import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import * as publications from "@/app/api/v1/publications/route";
import * as release from "@/app/api/v1/releases/[name]/route";
import * as versions from "@/app/api/v1/releases/[name]/versions/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { enrollHosts } from "@/lib/data/host-bulk";
import { createVersion } from "@/lib/data/releases";
import { serverSecret } from "@/lib/env";
import { admin, operator } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";

// The attack a review found: an operator points a release's images directory (or a kernel name
// with '/', or a symlink) at the console's server secret; publishing copies it into the export
// directory, which /boot/ serves without sign-in, and every host's report token follows from it.
// Every route of that attack is refused with a message that names what to change.

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-images-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const exportDir = path.join(root, "export");
const images = path.join(root, "images");
let op = "";
let secretFile = "";

beforeAll(async () => {
  process.env.AFSBOOT_EXPORT_DIR = exportDir;
  await seedInventory();
  fs.mkdirSync(images);
  fs.writeFileSync(path.join(images, "initrd.img"), "initrd bytes");
  serverSecret(); // creates <data dir>/secret, as the first sign-in or publication does
  secretFile = path.join(process.env.AFSBOOT_DATA_DIR!, "secret");
  await enrollHosts(operator, [hostIn(1)]);
  op = (await createApiToken(admin, { name: "op", role: "operator" }))!.token;
});

function req(p: string, method: string, body?: unknown) {
  return new NextRequest(`http://127.0.0.1:3000${p}`, {
    method,
    headers: { authorization: `Bearer ${op}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
/** The message of the field error at `field` in an API error body. */
async function fieldError(res: Response, field: string) {
  const body = (await res.json()) as { error: { fields?: { path: string; message: string }[] } };
  return body.error.fields?.find((f) => f.path === field)?.message;
}
const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });

async function setImagesDir(imagesDir: string) {
  const r = await db.release.findUniqueOrThrow({ where: { name: "rh-7.3" } });
  return release.PUT(
    req("/api/v1/releases/rh-7.3", "PUT", { name: "rh-7.3", tree: r.tree, imagesDir, notes: "", revision: r.revision }),
    ctx({ name: "rh-7.3" }),
  );
}

/** Every file under the export directory that holds the secret's bytes. */
function leaked(): string[] {
  if (!fs.existsSync(exportDir)) return [];
  const secret = fs.readFileSync(secretFile, "utf8").trim();
  return fs
    .readdirSync(exportDir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name))
    .filter((f) => fs.readFileSync(f, "utf8").includes(secret));
}

describe("kernels and base initrds come only from allowed images directories", () => {
  it("refuses the console's data directory as an images directory, naming why, and changes nothing", async () => {
    const res = await setImagesDir(process.env.AFSBOOT_DATA_DIR!);
    expect(res.status).toBe(422);
    expect(await fieldError(res, "imagesDir")).toMatch(/console's own files/);
    expect((await db.release.findUniqueOrThrow({ where: { name: "rh-7.3" } })).imagesDir).toBeNull();
  });

  it("refuses a directory outside the release tree's boot/ and AFSBOOT_IMAGES_ROOTS, naming the setting", async () => {
    const res = await setImagesDir("/etc");
    expect(res.status).toBe(422);
    expect(await fieldError(res, "imagesDir")).toMatch(/outside .*AFSBOOT_IMAGES_ROOTS \(.+\)\. To allow it, add it to AFSBOOT_IMAGES_ROOTS/);
  });

  it("refuses kernel and base initrd names that are not plain file names", async () => {
    for (const [kernel, baseInitrd] of [
      ["../secret", "initrd.img"],
      ["vmlinuz", "sub/initrd.img"],
      [".hidden", "initrd.img"],
    ]) {
      const res = await versions.POST(
        req("/api/v1/releases/rh-7.3/versions", "POST", { version: "9", kernel, baseInitrd, modules: "", readonly: "usr", writable: "etc" }),
        ctx({ name: "rh-7.3" }),
      );
      expect(res.status).toBe(422);
      expect(await fieldError(res, kernel === "vmlinuz" ? "baseInitrd" : "kernel")).toMatch(/plain file name/);
    }
    expect(await db.releaseVersion.count({ where: { version: "9" } })).toBe(0);
  });

  it("does not publish a kernel that is a symlink to the server secret; the refusal names the file, nothing leaks", async () => {
    expect((await setImagesDir(images)).status).toBe(200);
    fs.symlinkSync(secretFile, path.join(images, "vmlinuz"));
    const res = await publications.POST(req("/api/v1/publications", "POST", {}), ctx());
    expect(res.status).toBe(422);
    expect((await res.json()).error.message).toMatch(/rh-7\.3@1 kernel: .*vmlinuz resolves to .*secret, one of the console's own files/);
    expect(leaked()).toEqual([]);
  });

  it("does not publish a kernel that is a symlink out of the allowed directories", async () => {
    const outside = fs.mkdtempSync(path.join(os.homedir(), ".afsboot-outside-"));
    try {
      fs.writeFileSync(path.join(outside, "private"), "not an image");
      fs.rmSync(path.join(images, "vmlinuz"));
      fs.symlinkSync(path.join(outside, "private"), path.join(images, "vmlinuz"));
      const res = await publications.POST(req("/api/v1/publications", "POST", {}), ctx());
      expect(res.status).toBe(422);
      expect((await res.json()).error.message).toMatch(
        /resolves to .*private, outside the release tree's boot directory .* add its directory to AFSBOOT_IMAGES_ROOTS/,
      );
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it("does not publish a kernel that is not a regular file", async () => {
    fs.rmSync(path.join(images, "vmlinuz"));
    fs.mkdirSync(path.join(images, "vmlinuz"));
    const res = await publications.POST(req("/api/v1/publications", "POST", {}), ctx());
    expect(res.status).toBe(422);
    expect((await res.json()).error.message).toMatch(/vmlinuz is not a regular file/);
  });

  it("publishes a real kernel from the images directory", async () => {
    fs.rmSync(path.join(images, "vmlinuz"), { recursive: true });
    fs.writeFileSync(path.join(images, "vmlinuz"), "kernel bytes");
    const res = await publications.POST(req("/api/v1/publications", "POST", {}), ctx());
    expect(res.status).toBe(201);
    expect(leaked()).toEqual([]);
  });

  it("a refused publication names every image it cannot read, not only the first", async () => {
    const v = { kernel: "vmlinuz-3", baseInitrd: "initrd-3.img", modules: [], readonly: ["usr"], writable: ["etc"], tmpfsSize: "90M", notes: "" };
    await createVersion(operator, "rh-7.3", { ...v, version: "3" }, { activate: true });
    const res = await publications.POST(req("/api/v1/publications", "POST", {}), ctx());
    expect(res.status).toBe(422);
    const { message, fields } = (await res.json()).error as { message: string; fields: { path: string; message: string }[] };
    expect(message).toMatch(/^2 kernels or base initrds cannot be read .*AFSBOOT_IMAGES_ROOTS/);
    // both at the release's images-directory setting, which the console links to
    expect(fields).toEqual([
      { path: "releases.rh-7.3.imagesDir", message: expect.stringMatching(/^rh-7\.3@3 kernel: cannot read .*\nrh-7\.3@3 base initrd: cannot read /) },
    ]);
    expect(message).toContain("\n- rh-7.3@3 kernel: cannot read");
    expect(message).toContain("\n- rh-7.3@3 base initrd: cannot read");
  });
});
