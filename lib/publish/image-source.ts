import fs from "node:fs";
import path from "node:path";
import { IMAGE_NAME } from "@/lib/validation/release";

// Where publishing may read kernels and base initrds. Publishing copies them into the export
// directory, which /boot/ serves without sign-in: reading an arbitrary file would publish it.
// So images come only from a release tree's boot/ or from directories the admin named in
// AFSBOOT_IMAGES_ROOTS (checked twice: on the path as typed when a release is saved, and on the
// file's real path, every symlink resolved, when it is read), never from the console's own
// directories (data, export, secret, database), and only regular files.

export const ROOTS_SETTING = "AFSBOOT_IMAGES_ROOTS";

export interface ImagePolicy {
  /** AFSBOOT_IMAGES_ROOTS: absolute directories (as configured) */
  roots: string[];
  /** the console's own files and directories: never read as images */
  forbidden: string[];
}

const within = (p: string, dir: string) => p === dir || p.startsWith(dir === "/" ? "/" : `${dir}/`);

function allowedRoots(tree: string, roots: string[]) {
  return [`${tree}/boot`, ...roots];
}

function rootsText(tree: string, roots: string[]) {
  const set = roots.length ? `${ROOTS_SETTING} (${roots.join(":")})` : `${ROOTS_SETTING}, which is not set`;
  return `the release tree's boot directory (${tree}/boot) and ${set}`;
}

/**
 * Why an images directory may not be used, from the path as typed (when a release is saved),
 * or null. The real path is checked again when images are read.
 */
export function imagesDirProblem(dir: string, tree: string, policy: ImagePolicy): string | null {
  const clean = path.resolve(/*turbopackIgnore: true*/ dir);
  const own = policy.forbidden.find((f) => within(clean, path.resolve(/*turbopackIgnore: true*/ f)));
  if (own) return `${dir} holds the console's own files (${own}): images are never read from there`;
  if (!allowedRoots(tree, policy.roots).some((r) => within(clean, path.resolve(/*turbopackIgnore: true*/ r)))) {
    return `${dir} lies outside the directories images may be read from: ${rootsText(tree, policy.roots)}. To allow it, add it to ${ROOTS_SETTING} on the console's server (directories separated by ':')`;
  }
  return null;
}

function realOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

/**
 * The real path of `name` in `dir`, after the checks above on the resolved path; throws an Error
 * whose message says which rule refused it and what to change.
 */
export function resolveImage(dir: string, name: string, tree: string, policy: ImagePolicy): string {
  if (!IMAGE_NAME.test(name)) throw new Error(`${name} is not a plain file name (no '/', not starting with '.')`);
  const asTyped = imagesDirProblem(dir, tree, policy);
  if (asTyped) throw new Error(asTyped);
  const file = path.join(dir, name);
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (e) {
    throw new Error(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? "error"}); is the images directory reachable from this server?`);
  }
  const forbidden = policy.forbidden.map(realOrNull).filter((f): f is string => f !== null);
  if (forbidden.some((f) => within(real, f))) throw new Error(`${file} resolves to ${real}, one of the console's own files: images are never read from there`);
  const roots = allowedRoots(tree, policy.roots)
    .map(realOrNull)
    .filter((r): r is string => r !== null);
  if (!roots.some((r) => within(real, r))) {
    throw new Error(`${file} resolves to ${real}, outside ${rootsText(tree, policy.roots)}. To allow it, add its directory to ${ROOTS_SETTING}`);
  }
  const st = fs.statSync(real);
  if (!st.isFile()) throw new Error(`${file} is not a regular file`);
  return real;
}
