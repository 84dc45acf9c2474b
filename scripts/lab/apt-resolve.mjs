#!/usr/bin/env node
// Boot lab: which Debian packages (and which versions) the lab's kernel and OpenAFS module come
// from, resolved from what apt offers today: nothing is pinned, nothing assumed.
//
//   node scripts/lab/apt-resolve.mjs kernel      the kernel image
//   node scripts/lab/apt-resolve.mjs openafs     the kernel image, its headers, the headers' -common
//                                                and linux-kbuild-* dependencies, openafs-modules-dkms
//   node scripts/lab/apt-resolve.mjs firmware    the UEFI firmware and boot loaders: ovmf, ipxe,
//                                                shim-signed, grub-efi-amd64-signed (each apt's
//                                                candidate, else the newest it offers)
//
// - The kernel ABI: AFSBOOT_LAB_KVER when set (6.1.0-57-amd64), else the one the candidate of
//   linux-image-amd64 depends on (what `apt-get install linux-image-amd64` would bring today).
// - The image's version: the newest the archive offers for that ABI that also has headers at the
//   same version (the module must be built against exactly that kernel); else the newest image.
// - Every dependency of the headers we unpack (linux-headers-*-common, linux-kbuild-*): the newest
//   version that satisfies every relation the headers state for it (=, >=, <<, ...): the archive
//   moves these on independently (headers at 6.1.192-2 may need "linux-kbuild-6.1 (>= 6.1.192-2)"
//   while the archive only has 6.1.192-3).
// - openafs-modules-dkms: exactly the installed openafs-client's version (afsd and the module talk
//   a private interface).
// Only versions apt can download count (a stanza with a Filename: not just dpkg's status).
//
// Prints KEY=VALUE lines: AFSBOOT_LAB_KVER, then one AFSBOOT_LAB_DEB_<role>="package version arch
// sha256" a package (roles: kernel; with openafs also headers, common, kbuild, openafs). The
// SHA256 is the archive's, so a cached .deb is checked against it before it is trusted.
// On a failure: exit 2 and one line that names the package, the version wanted and what apt offers.
// The pure functions are exported for the tests (scripts/lab/apt-resolve.test.ts), which run them
// on recorded apt-cache outputs.
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";

export const META = "linux-image-amd64";
export const KVER_RE = /^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+(-[a-z0-9]+)+$/;

export class ResolveError extends Error {}

// ------------------------------------------------------------------ Debian versions (dpkg's rules)

const isDigit = (c) => c !== undefined && c >= "0" && c <= "9";
// dpkg's order(): '~' sorts before everything, even the end; letters before other characters
function order(c) {
  if (c === undefined || isDigit(c)) return 0;
  if (c === "~") return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function verrevcmp(a, b) {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    let firstDiff = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

function splitVersion(v) {
  const colon = v.indexOf(":");
  const epoch = colon > 0 ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf("-");
  return dash >= 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: "" };
}

/** dpkg --compare-versions: negative, 0 or positive. */
export function compareVersions(a, b) {
  const x = splitVersion(a);
  const y = splitVersion(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision);
}

const newestFirst = (versions) => [...versions].sort((a, b) => compareVersions(b, a));

// ------------------------------------------------------------------ apt-cache output

/** `apt-cache show` output (any number of packages) → stanzas, each a map of field → value. */
export function parseStanzas(text) {
  const stanzas = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = {};
    let last = null;
    for (const line of block.split("\n")) {
      if (/^[ \t]/.test(line) && last) fields[last] += "\n" + line.trim();
      else {
        const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
        if (m) fields[(last = m[1])] = m[2];
      }
    }
    if (fields.Package && fields.Version) stanzas.push(fields);
  }
  return stanzas;
}

/** `apt-cache policy` output (any number of packages) → package → { installed, candidate }. */
export function parsePolicy(text) {
  const out = new Map();
  let pkg = null;
  for (const line of text.split("\n")) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      pkg = head[1];
      out.set(pkg, { installed: null, candidate: null });
      continue;
    }
    const m = /^\s+(Installed|Candidate):\s*(\S+)/.exec(line);
    if (m && pkg) out.get(pkg)[m[1].toLowerCase()] = m[2] === "(none)" ? null : m[2];
  }
  return out;
}

const RELATION_RE = /^([a-z0-9][a-z0-9.+-]*)(?::[a-z0-9-]+)?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([^)\s]+)\s*\))?/;

/** A Depends field → [[{ name, op, version }...alternatives]...]. */
export function parseDepends(field) {
  if (!field) return [];
  return field.split(",").map((group) =>
    group
      .split("|")
      .map((alt) => RELATION_RE.exec(alt.trim()))
      .filter(Boolean)
      .map((m) => ({ name: m[1], op: m[2] ?? null, version: m[3] ?? null })),
  );
}

export function satisfies(version, rel) {
  if (!rel.op) return true;
  const c = compareVersions(version, rel.version);
  switch (rel.op) {
    case "<<":
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case "=":
      return c === 0;
    case ">=":
      return c >= 0;
    case ">>":
    case ">":
      return c > 0;
  }
  return false;
}

const relText = (r) => (r.op ? `${r.name} (${r.op} ${r.version})` : r.name);

// ------------------------------------------------------------------ resolution

/**
 * @param {{ show: (pkg: string) => Record<string,string>[], policy: (pkg: string) => { installed: string|null, candidate: string|null } | undefined, kver?: string, openafs?: boolean }} apt
 *   show: the package's stanzas as `apt-cache show PKG` lists them; policy: as `apt-cache policy PKG`
 * @returns {{ kver: string, debs: Record<string, { pkg: string, version: string, arch: string, sha256: string }> }}
 */
export function resolveLab({ show, policy, kver, openafs = false }) {
  // only what apt can download; the same version listed twice (two suites) counts once
  const offered = (pkg) => {
    const byVersion = new Map();
    for (const s of show(pkg)) if (s.Package === pkg && s.Filename && !byVersion.has(s.Version)) byVersion.set(s.Version, s);
    return byVersion;
  };
  const offeredText = (versions) => (versions.size ? newestFirst(versions.keys()).join(", ") : "nothing");
  const deb = (s) => ({ pkg: s.Package, version: s.Version, arch: s.Architecture ?? "amd64", sha256: s.SHA256 ?? "" });

  if (kver !== undefined && !KVER_RE.test(kver)) {
    throw new ResolveError(`AFSBOOT_LAB_KVER=${kver} is not a Debian kernel ABI like 6.1.0-57-amd64`);
  }
  // the ABI today's linux-image-amd64 brings: the default, and the hint when a pinned one is gone
  const current = () => {
    const candidate = policy(META)?.candidate;
    const meta = candidate ? offered(META).get(candidate) : undefined;
    if (!meta) throw new ResolveError(`apt offers no ${META} (run apt-get update: are Debian's package lists there?)`);
    const dep = parseDepends(meta.Depends)
      .flat()
      .find((r) => /^linux-image-/.test(r.name) && KVER_RE.test(r.name.slice("linux-image-".length)));
    if (!dep) throw new ResolveError(`${META} ${candidate} depends on no linux-image-ABI package: ${meta.Depends ?? "(no Depends)"}`);
    return { abi: dep.name.slice("linux-image-".length), meta: candidate };
  };

  const abi = kver ?? current().abi;
  const imagePkg = `linux-image-${abi}`;
  const images = offered(imagePkg);
  if (!images.size) {
    let hint;
    try {
      const c = current();
      hint = `the archive's current ABI is ${c.abi} (${META} ${c.meta} depends on it): unset AFSBOOT_LAB_KVER or set it to ${c.abi}`;
    } catch (e) {
      hint = e.message;
    }
    throw new ResolveError(`${imagePkg} is not in the archive${kver ? ` (AFSBOOT_LAB_KVER=${kver})` : ""}; ${hint}`);
  }
  const headersPkg = `linux-headers-${abi}`;
  const headers = offered(headersPkg);
  const both = newestFirst([...images.keys()].filter((v) => headers.has(v)));
  const version = both[0] ?? newestFirst(images.keys())[0];
  const debs = { kernel: deb(images.get(version)) };
  if (!openafs) return { kver: abi, debs };

  if (!both.length) {
    throw new ResolveError(
      `${headersPkg}: apt offers ${offeredText(headers)}, but the kernel image ${imagePkg} is at ${offeredText(images)}: no version has both (the module must be built against its kernel's own headers)`,
    );
  }
  const h = headers.get(version);
  debs.headers = deb(h);
  // the headers' own tree includes the -common tree and runs linux-kbuild's tools
  const deps = parseDepends(h.Depends).flat();
  for (const [role, re] of [
    ["common", /^linux-headers-.*-common$/],
    ["kbuild", /^linux-kbuild-/],
  ]) {
    const rels = deps.filter((r) => re.test(r.name));
    if (!rels.length)
      throw new ResolveError(
        `${headersPkg} ${version} depends on no ${role === "common" ? "linux-headers-*-common" : "linux-kbuild-*"} package: ${h.Depends ?? "(no Depends)"}`,
      );
    const name = rels[0].name;
    const versions = offered(name);
    const ok = newestFirst([...versions.keys()].filter((v) => rels.filter((r) => r.name === name).every((r) => satisfies(v, r))));
    if (!ok.length) {
      const wanted = rels
        .filter((r) => r.name === name)
        .map(relText)
        .join(", ");
      throw new ResolveError(`${wanted}, needed by ${headersPkg} ${version}: apt offers ${offeredText(versions)}`);
    }
    debs[role] = deb(versions.get(ok[0]));
  }

  const client = policy("openafs-client")?.installed;
  if (!client) throw new ResolveError("openafs-client is not installed: its afsd goes into the base initrd beside the module (apt-get install openafs-client)");
  const dkms = offered("openafs-modules-dkms");
  const d = dkms.get(client);
  if (!d) {
    throw new ResolveError(
      `openafs-modules-dkms (= ${client}), the installed openafs-client's version (afsd and the module must match): apt offers ${offeredText(dkms)}` +
        (dkms.size ? "; bring the client to the archive's version (apt-get install --only-upgrade openafs-client)" : ""),
    );
  }
  debs.openafs = deb(d);
  return { kver: abi, debs };
}

/** The UEFI cases' packages: role -> package. */
export const FIRMWARE_PACKAGES = { ovmf: "ovmf", ipxe: "ipxe", shim: "shim-signed", grub: "grub-efi-amd64-signed" };

/**
 * The firmware and loaders the UEFI cases boot with: for each package apt's candidate (what
 * `apt-get install` would bring) when apt can download it, else the newest version it offers.
 * @param {{ show: (pkg: string) => Record<string,string>[], policy: (pkg: string) => { installed: string|null, candidate: string|null } | undefined }} apt
 * @returns {{ debs: Record<string, { pkg: string, version: string, arch: string, sha256: string }> }}
 */
export function resolveFirmware({ show, policy }) {
  const debs = {};
  for (const [role, pkg] of Object.entries(FIRMWARE_PACKAGES)) {
    const byVersion = new Map();
    for (const s of show(pkg)) if (s.Package === pkg && s.Filename && !byVersion.has(s.Version)) byVersion.set(s.Version, s);
    if (!byVersion.size) throw new ResolveError(`apt offers no ${pkg} (run apt-get update: are Debian's package lists there?)`);
    const candidate = policy(pkg)?.candidate;
    const s = byVersion.get(candidate ?? "") ?? byVersion.get(newestFirst(byVersion.keys())[0]);
    debs[role] = { pkg: s.Package, version: s.Version, arch: s.Architecture ?? "all", sha256: s.SHA256 ?? "" };
  }
  return { debs };
}

export function formatResult({ kver, debs }) {
  const lines = kver === undefined ? [] : [`AFSBOOT_LAB_KVER=${kver}`];
  for (const [role, d] of Object.entries(debs)) lines.push(`AFSBOOT_LAB_DEB_${role}=${d.pkg} ${d.version} ${d.arch} ${d.sha256}`);
  return lines.join("\n") + "\n";
}

// ------------------------------------------------------------------ the command

function aptCache(...args) {
  const r = spawnSync("apt-cache", args, { encoding: "utf8", env: { ...process.env, LC_ALL: "C" }, maxBuffer: 64 << 20 });
  if (r.error) throw new ResolveError(`apt-cache: ${r.error.message}`);
  // `apt-cache show` exits 100 for a package apt does not know: that is "offers nothing"
  return r.status === 0 ? r.stdout : "";
}

function main(argv) {
  const mode = argv[0];
  if (mode !== "kernel" && mode !== "openafs" && mode !== "firmware") {
    process.stderr.write("usage: apt-resolve.mjs kernel|openafs|firmware   (AFSBOOT_LAB_KVER pins the kernel ABI)\n");
    return 64;
  }
  const kver = process.env.AFSBOOT_LAB_KVER || undefined;
  const shown = new Map();
  const show = (pkg) => {
    if (!shown.has(pkg)) shown.set(pkg, parseStanzas(aptCache("show", pkg)));
    return shown.get(pkg);
  };
  const policy = (pkg) => parsePolicy(aptCache("policy", pkg)).get(pkg);
  try {
    process.stdout.write(
      formatResult(mode === "firmware" ? resolveFirmware({ show, policy }) : resolveLab({ show, policy, kver, openafs: mode === "openafs" })),
    );
    return 0;
  } catch (e) {
    if (!(e instanceof ResolveError)) throw e;
    process.stderr.write(`apt-resolve: ${e.message}\n`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
