import { z } from "zod";
import { flag, list, optionalText, revision, slug, text } from "./common";
import { absolutePath, afsPath, relativePath } from "./paths";

export const VERSION_STATUSES = ["draft", "active", "retired"] as const;

export const releaseInput = z.object({
  name: slug("Name"),
  tree: afsPath("Tree"),
  imagesDir: z.preprocess((v) => (v === "" || v === null ? undefined : v), absolutePath("Images directory").optional()),
  notes: optionalText("Notes"),
});
export type ReleaseInput = z.output<typeof releaseInput>;
export const releaseUpdate = z.intersection(releaseInput, z.object({ revision }));

export const moduleName = text("Module", 64).regex(/^[A-Za-z0-9_-]+$/, { message: "Module names use letters, digits, '_' and '-'" });

/** tmpfs size as mount(8) takes it: 90M, 2G, 524288k, or 50% of RAM. */
export const tmpfsSize = (label: string) =>
  text(label, 16).regex(/^([1-9]\d{0,8}[kKmMgG]?|([1-9]\d?|100)%)$/, { message: `${label} must be like 256M, 2G or 50%` });

/** A kernel or base initrd name: a plain file name (also checked when publishing reads it). */
export const IMAGE_NAME = /^[A-Za-z0-9_+@=-][A-Za-z0-9._+@=-]*$/;

/**
 * Kernel and initrd names are plain file names in the release's images directory (publishing
 * copies them to a public place: no '/' to reach elsewhere); they end up in pxelinux INITRD lists
 * (comma-separated) and URLs.
 */
const imageFile = (label: string) =>
  text(label, 200).refine((v) => IMAGE_NAME.test(v), {
    message: `${label} must be a plain file name in the images directory: letters, digits and . _ + @ = - (no '/', not starting with '.')`,
  });

export const versionLabel = text("Version", 32).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  message: "Version may use letters, digits, '.', '_' and '-', starting with a letter or digit",
});

const dirList = (label: string) =>
  list(relativePath(label)).pipe(z.array(z.string()).refine((a) => new Set(a).size === a.length, { message: `${label}: a directory is listed twice` }));

export const versionInput = z
  .object({
    version: versionLabel,
    kernel: imageFile("Kernel"),
    baseInitrd: imageFile("Base initrd"),
    modules: list(moduleName).pipe(z.array(z.string()).max(64, "at most 64 modules")),
    readonly: dirList("Read-only directories").pipe(z.array(z.string()).min(1, "at least one read-only directory")),
    writable: dirList("Writable directories"),
    tmpfsSize: z.preprocess((v) => (v === "" || v === undefined || v === null ? "256M" : v), tmpfsSize("tmpfs size")),
    /** the kernel is signed by a key shim trusts (Secure Boot hosts need it); absent: false */
    signedKernel: flag("Signed kernel"),
    /** every module it loads is signed (Secure Boot hosts on an OpenAFS cell need it); absent: false */
    signedModules: flag("Signed modules"),
    notes: optionalText("Notes"),
  })
  .superRefine((v, ctx) => {
    const ro = new Set(v.readonly);
    v.writable.forEach((d, i) => {
      if (ro.has(d)) ctx.addIssue({ code: "custom", path: ["writable", i], message: `${d} is also read-only: a directory is one or the other` });
    });
  });
/** Validated input; callers in code may leave the signed flags out (absent: false). */
export type VersionInput = Omit<z.output<typeof versionInput>, "signedKernel" | "signedModules"> & { signedKernel?: boolean; signedModules?: boolean };
export const versionUpdate = z.intersection(versionInput, z.object({ revision }));
