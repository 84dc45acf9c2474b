import type { SnapCell, SnapVersion } from "../snapshot";
import { buildOverlay, type BuiltOverlay, type CpioEntry, type SegmentStore } from "./cpio";
import { generateInit, shQuote } from "./init-script";

// The overlay initrd of one (release version, cell): /init and everything it needs except kernel
// modules, which come from the release's base initrd. Nothing host-specific is in it (that comes
// from the kernel command line), so one overlay serves every host of the version in the cell.
// Everything but /init lives under /afsboot/, so the overlay cannot clobber the base initrd's
// files (nor its merged-/usr links such as /bin -> usr/bin).

/** Busybox applets /init and the udhcpc hook call, linked in /afsboot/bin. */
export const APPLETS = [
  "awk",
  "base64",
  "cat",
  "chmod",
  "cp",
  "cpio",
  "cttyhack",
  "cut",
  "date",
  "echo",
  "find",
  "grep",
  "head",
  "hostname",
  "insmod",
  "ip",
  "ln",
  "mdev",
  "mkdir",
  "modprobe",
  "mount",
  "mv",
  "od",
  "poweroff",
  "printf",
  "readlink",
  "reboot",
  "rm",
  "rmdir",
  "sed",
  "setsid",
  "sh",
  "sleep",
  "switch_root",
  "tail",
  "tar",
  "timeout",
  "tr",
  "udhcpc",
  "uname",
  "usleep",
  "wc",
  "wget",
] as const;

// The /init splits these lists on spaces and puts the values into mount and tar arguments: the
// generator re-checks what validation (lib/validation) should already have ensured, so a bad
// value is a clear error here rather than a host that does not boot.
const SAFE_PATH = /^[A-Za-z0-9._+@%=:,/-]+$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DNS = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
/** a Kerberos realm as /init writes it into krb5.conf: upper-case letters, digits, '.', '-' */
const REALM = /^[A-Z0-9]([A-Z0-9.-]{0,251}[A-Z0-9])?$/;
/** a KDC: a DNS name or IPv4 address with an optional port */
const KDC = /^[a-z0-9.-]{1,253}(:\d{1,5})?$/;
const MODULE = /^[A-Za-z0-9_-]{1,64}$/;
const TMPFS = /^([1-9]\d{0,8}[kKmMgG]?|([1-9]\d?|100)%)$/; // no 0: tmpfs would be unlimited

export class OverlayGenerateError extends Error {
  override name = "OverlayGenerateError";
}

function check(ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new OverlayGenerateError(`overlay: invalid ${what}: ${JSON.stringify(value)}`);
}

function relDir(d: string): boolean {
  const segs = d.split("/");
  return SAFE_PATH.test(d) && segs.every((s) => s !== "" && s !== "." && s !== "..");
}

function checkInputs(v: SnapVersion, c: SnapCell): void {
  check(LABEL.test(v.release), "release name", v.release);
  check(LABEL.test(v.version), "version", v.version);
  check(v.tree.startsWith("/afs/") && relDir(v.tree.slice(5)), "tree", v.tree);
  check(DNS.test(c.name), "cell name", c.name);
  check(v.tree.startsWith(`/afs/${c.name}/`) || v.tree.startsWith(`/afs/.${c.name}/`), `tree (not under /afs/${c.name}/)`, v.tree);
  check(c.servers.length > 0, "cell servers (none)", c.servers);
  for (const s of c.servers) check(IPV4.test(s.ip) && DNS.test(s.name), "cell server", s);
  for (const m of v.modules) check(MODULE.test(m), "module", m);
  for (const d of [...v.readonly, ...v.writable]) check(relDir(d), "directory", d);
  check(v.readonly.length > 0, "read-only directories (none)", v.readonly);
  // a writable directory inside a read-only bind could not be created (nor seen) in the new root
  for (const w of v.writable) {
    for (const r of v.readonly) check(w !== r && !w.startsWith(`${r}/`), `writable directory inside read-only ${r}`, w);
  }
  check(TMPFS.test(v.tmpfsSize), "tmpfs size", v.tmpfsSize);
  if (c.realm !== undefined) {
    check(REALM.test(c.realm), "Kerberos realm", c.realm);
    check((c.kdcs ?? []).length > 0, "KDCs (none for the realm)", c.kdcs);
    for (const k of c.kdcs ?? []) check(KDC.test(k), "KDC", k);
  }
  check(Number.isInteger(c.cacheBlocks) && c.cacheBlocks >= 1024 && c.cacheBlocks <= 67108864, "cache blocks", c.cacheBlocks);
}

// sorted so that parents come first: binds and unpacks happen in this order
const sortedList = (a: string[]) => [...new Set(a)].sort().join(" ");

/** /afsboot/etc/afsboot.conf: the version and cell parameters /init sources (shell-quoted). */
export function overlayConf(v: SnapVersion, c: SnapCell): string {
  checkInputs(v, c);
  const vars: [string, string][] = [
    ["AFSBOOT_RELEASE", v.release],
    ["AFSBOOT_VERSION", v.version],
    ["AFSBOOT_TREE", v.tree],
    ["AFSBOOT_CELL", c.name],
    ["AFSBOOT_CLIENT", c.client],
    ["AFSBOOT_CELL_IPS", c.servers.map((s) => s.ip).join(" ")],
    ["AFSBOOT_CACHE_MEMCACHE", c.cacheMemcache ? "1" : "0"],
    ["AFSBOOT_CACHE_BLOCKS", String(c.cacheBlocks)],
    ["AFSBOOT_MODULES", v.modules.join(" ")], // load order as the version lists them
    ["AFSBOOT_READONLY", sortedList(v.readonly)],
    ["AFSBOOT_WRITABLE", sortedList(v.writable)],
    ["AFSBOOT_TMPFS", v.tmpfsSize],
  ];
  // a cell with a realm: /init gets a ticket and an AFS token before the root mount
  if (c.realm) vars.push(["AFSBOOT_REALM", c.realm], ["AFSBOOT_KDCS", (c.kdcs ?? []).join(" ")]);
  const lines = vars.map(([k, val]) => `${k}=${shQuote(val)}`);
  const head = "# AFSBoot overlay parameters, sourced by /init (generated by AFSBoot; do not edit)";
  return `${head}\n# shellcheck shell=sh disable=SC2034 # used by /init\n${lines.join("\n")}\n`;
}

/** CellServDB and ThisCell of the cell, for afsd (kAFS gets the servers on its modprobe line). */
export function cellServDb(c: SnapCell): string {
  return [`>${c.name}\t#${c.name}`, ...c.servers.map((s) => `${s.ip}\t#${s.name}`)].join("\n") + "\n";
}

/** The udhcpc hook (-s): configures the interface, writes resolv.conf and the lease for /init. */
export function generateUdhcpcScript(): string {
  return `#!/afsboot/bin/sh
# udhcpc hook of the AFSBoot /init (generated; do not edit). $1: deconfig, bound, renew, leasefail
# or nak; the lease is in the environment. Values come from the network: here they are only
# quoted arguments, and /init checks everything it reads back from /run/afsboot/lease.
# shellcheck disable=SC2154 # interface, ip, mask, router, ... are set by udhcpc
set -f
case $1 in
  deconfig)
    ip addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound | renew)
    ip addr flush dev "$interface"
    if [ -n "$broadcast" ]; then
      ip addr add "$ip/\${mask:-24}" broadcast "$broadcast" dev "$interface"
    else
      ip addr add "$ip/\${mask:-24}" dev "$interface"
    fi
    for r in $router; do ip route add default via "$r" dev "$interface" && break; done
    {
      [ -z "$domain" ] || echo "search $domain"
      for d in $dns; do echo "nameserver $d"; done
    } >/etc/resolv.conf
    printf '%s=%s\\n' ip "$ip" mask "\${mask:-24}" router "$router" serverid "$serverid" \\
      hostname "$hostname" domain "$domain" rootpath "$rootpath" >/run/afsboot/lease
    ;;
esac
exit 0
`;
}

export function overlayFiles(version: SnapVersion, cell: SnapCell, opts: { busybox: Buffer }): CpioEntry[] {
  if (opts.busybox.length === 0) throw new Error("overlay: busybox binary is empty");
  return [
    { type: "file", path: "init", mode: 0o755, data: generateInit() },
    { type: "file", path: "afsboot/udhcpc.script", mode: 0o755, data: generateUdhcpcScript() },
    { type: "file", path: "afsboot/etc/afsboot.conf", mode: 0o644, data: overlayConf(version, cell) },
    { type: "file", path: "afsboot/etc/CellServDB", mode: 0o644, data: cellServDb(cell) },
    { type: "file", path: "afsboot/etc/ThisCell", mode: 0o644, data: `${cell.name}\n` },
    { type: "file", path: "afsboot/bin/busybox", mode: 0o755, data: opts.busybox },
    ...APPLETS.map((a): CpioEntry => ({ type: "symlink", path: `afsboot/bin/${a}`, target: "busybox" })),
  ];
}

/** The published overlay: gzip'd newc cpio, recorded by its sha256 (`segments`: busybox compressed once for many processes, cpio.ts). */
export function generateOverlay(version: SnapVersion, cell: SnapCell, opts: { busybox: Buffer; segments?: SegmentStore }): BuiltOverlay {
  return buildOverlay(overlayFiles(version, cell, opts), { segments: opts.segments });
}
