import fs from "node:fs";
import type { Command } from "commander";
import { cliActor } from "@/lib/auth/roles";
import type { ImageMode } from "@/lib/data/snapshot";
import { dhcpFiles, generateDhcpd, generateDnsmasqConf, generateDnsmasqHosts, generateKea } from "@/lib/generate/dhcp";
import { generateOverlay } from "@/lib/generate/initrd/overlay";
import { releaseSideFiles } from "@/lib/generate/initrd/release-side";
import path from "node:path";
import { generateGrub } from "@/lib/generate/pxe/grub";
import { generateIpxe } from "@/lib/generate/pxe/ipxe";
import { generatePxelinux } from "@/lib/generate/pxe/pxelinux";
import { LAYOUT, isReplicated, type FleetSnapshot } from "@/lib/generate/snapshot";
import { CliError } from "./io";

// Single artifacts on stdout (DESIGN.md CLI): `afsboot export dhcpd|kea|dnsmasq [--network NAME]`,
// `export pxelinux|ipxe|grub HOST`, `export initrd RELEASE[@V] CELL > overlay.img`, and
// `export release-files DIR` (what a release tree installs to report up and shutdown).

// the data layer, the configuration and busybox, loaded when a command runs, not at the CLI's start
const data = () => import("@/lib/data/snapshot");
const config = () => import("@/lib/env");
const busybox = async () => (await import("@/lib/publish/busybox")).readBusybox();

/** Where the publication writes, and Kea's hook libraries: what the DHCP configs name. */
async function dhcpDirs() {
  const { env, exportDir } = await config();
  return { exportDir: exportDir(), keaHooksDir: env().AFSBOOT_KEA_HOOKS_DIR };
}
type DhcpDirs = Awaited<ReturnType<typeof dhcpDirs>>;

async function snapshot(images: ImageMode) {
  const loaded = await (await data()).loadSnapshot(cliActor(), { images });
  for (const s of loaded.skipped) console.error(`afsboot: note: host ${s.host} left out: ${s.reason}`);
  return loaded;
}

function networks(snap: FleetSnapshot, name: string | undefined, kind: string): string[] {
  if (name) {
    if (!snap.networks.some((n) => n.name === name)) throw new CliError(`no network named ${name}`);
    return [name];
  }
  if (snap.networks.length === 0) throw new CliError("no networks yet: add one first");
  if (snap.networks.length > 1 && kind !== "dhcpd") {
    throw new CliError(`${snap.networks.length} networks: choose one with --network (${snap.networks.map((n) => n.name).join(", ")})`);
  }
  return snap.networks.map((n) => n.name);
}

/** A boot server's own DHCP file (networks with several boot servers: failover.ts), as the publication writes it. */
function serverFile(snap: FleetSnapshot, kind: "dhcpd" | "kea" | "dnsmasq", network: string | undefined, server: string | undefined, dirs: DhcpDirs): string {
  const replicated = snap.networks.filter((n) => isReplicated(n) && (!network || n.name === network));
  const names = [...new Set(replicated.flatMap((n) => n.bootServers!.map((b) => b.name)))].sort();
  if (network && !snap.networks.some((n) => n.name === network)) throw new CliError(`no network named ${network}`);
  if (replicated.length === 0) throw new CliError(`${network ? `network ${network} has` : "no network has"} two or more boot servers: leave out --server`);
  if (!server) throw new CliError(`network ${network} has several boot servers: choose one with --server (${names.join(", ")})`);
  if (!names.includes(server)) throw new CliError(`no boot server ${server}${network ? ` in network ${network}` : ""} (${names.join(", ")})`);
  const files = dhcpFiles(snap, dirs);
  const text = (p: string) => files.find((f) => f.path === p)?.content;
  if (kind === "kea") return text(LAYOUT.serverKea(server))!;
  const nets = replicated.filter((n) => n.bootServers!.some((b) => b.name === server)).map((n) => n.name);
  if (!network && nets.length > 1) throw new CliError(`boot server ${server} serves ${nets.join(", ")}: choose one with --network`);
  const net = network ?? nets[0]!;
  if (kind === "dhcpd") return text(LAYOUT.serverDhcpd(server, net))!;
  const exportDir = snap.networks.find((n) => n.name === net)!.bootServers!.find((b) => b.name === server)!.exportDir ?? dirs.exportDir;
  return `${text(LAYOUT.serverDnsmasqConf(server, net))}# ---- hosts file (${exportDir}/${LAYOUT.dnsmasqHosts(net)})\n${text(LAYOUT.dnsmasqHosts(net))}`;
}

/** The overlay of the host's (version, cell), built to learn its sha256 for the PXE config. */
async function overlaysFor(snap: FleetSnapshot, hostName: string) {
  const host = snap.hosts.find((h) => h.name === hostName);
  if (!host) throw new CliError(`no host named ${hostName} (or its release has no active version)`);
  const version = snap.versions.find((v) => v.release === host.release && v.version === host.version)!;
  const cell = snap.cells.find((c) => c.name === host.cell)!;
  const { sha256 } = generateOverlay(version, cell, { busybox: await busybox() });
  return { host, overlays: new Map([[`${host.release}@${host.version}/${host.cell}`, sha256]]) };
}

export function registerExportCommands(exp: Command, program: Command) {
  for (const kind of ["dhcpd", "kea", "dnsmasq"] as const) {
    exp
      .command(kind)
      .description(
        kind === "dnsmasq" ? "print the dnsmasq conf, then its dhcp-hostsfile (after a '# ---- hosts file' line)" : `print the ${kind} config of a network`,
      )
      .option("--network <name>", "one network (required when there are several, except for dhcpd)")
      .option("--server <name>", "one boot server's own config, for a network with several (Kea: every network the server serves)")
      .action(async (opts: { network?: string; server?: string }) => {
        const { snapshot: snap } = await snapshot("names-only");
        const dirs = await dhcpDirs();
        if (opts.server || (opts.network && snap.networks.some((n) => n.name === opts.network && isReplicated(n)))) {
          process.stdout.write(serverFile(snap, kind, opts.network, opts.server, dirs));
          return;
        }
        for (const name of networks(snap, opts.network, kind)) {
          if (kind === "dhcpd") process.stdout.write(generateDhcpd(snap, name));
          else if (kind === "kea") process.stdout.write(generateKea(snap, name, { keaHooksDir: dirs.keaHooksDir }));
          else {
            process.stdout.write(generateDnsmasqConf(snap, name, { exportDir: dirs.exportDir }));
            process.stdout.write(`# ---- hosts file (${dirs.exportDir}/dhcp/dnsmasq-${name}.hosts)\n`);
            process.stdout.write(generateDnsmasqHosts(snap, name));
          }
        }
      });
  }
  const hostConfigs = {
    pxelinux: { description: "print a host's pxelinux config", generate: generatePxelinux },
    ipxe: { description: "print a host's iPXE script", generate: generateIpxe },
    grub: { description: "print the GRUB config of a host with UEFI Secure Boot (grub/01-<mac>.cfg)", generate: generateGrub },
  };
  for (const [kind, { description, generate }] of Object.entries(hostConfigs)) {
    exp
      .command(kind)
      .description(description)
      .argument("<host>", "hostname")
      .action(async (hostName: string) => {
        const { snapshot: snap } = await snapshot("read");
        // only a host with Secure Boot has one: said before its overlay is built
        if (kind === "grub" && snap.hosts.some((h) => h.name === hostName && !h.secureBoot)) {
          throw new CliError(`host ${hostName} does not boot with Secure Boot: it has no GRUB config (its firmware boots iPXE: export ipxe or pxelinux)`);
        }
        const { host, overlays } = await overlaysFor(snap, hostName);
        process.stdout.write(generate(snap, host, overlays));
      });
  }
  exp
    .command("release-files")
    .description(
      "write the files a release tree needs to report up and shutdown (afsboot-report, systemd unit, SysV script) into DIR, at their paths in the tree",
    )
    .argument("<dir>", "the release tree (or a staging directory copied into it)")
    .option("--force", "overwrite files that differ")
    .action((dir: string, opts: { force?: boolean }) => {
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new CliError(`${dir} is not a directory`);
      const clash = releaseSideFiles().filter((f) => {
        const to = path.join(dir, f.path);
        return fs.existsSync(to) && fs.readFileSync(to, "utf8") !== f.content;
      });
      if (clash.length && !opts.force) throw new CliError(`these files exist and differ (use --force to overwrite): ${clash.map((f) => f.path).join(", ")}`);
      for (const f of releaseSideFiles()) {
        const to = path.join(dir, f.path);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.writeFileSync(to, f.content, { mode: f.mode });
        fs.chmodSync(to, f.mode);
        console.error(`afsboot: wrote ${to}`);
      }
    });
  exp
    .command("initrd")
    .description("write the overlay initrd of a release version for a cell to stdout (gzip'd newc cpio)")
    .argument("<release>", "RELEASE (latest active version) or RELEASE@VERSION")
    .argument("<cell>", "cell name")
    .action(async (ref: string, cellName: string) => {
      if (process.stdout.isTTY) throw new CliError("the overlay is binary: redirect it, e.g. > overlay.img");
      const { snapshot: snap, latest } = await snapshot("names-only");
      const [release, given] = ref.split("@");
      // without @VERSION: the latest active version, the one hosts following the tree boot
      const wanted = given ?? latest.get(release!);
      const version = snap.versions.find((v) => v.release === release && v.version === wanted);
      if (!version) throw new CliError(`no active version ${given ? ref : `of release ${release}`}`);
      const cell = snap.cells.find((c) => c.name === cellName);
      if (!cell) throw new CliError(`no cell named ${cellName}`);
      const built = generateOverlay(version, cell, { busybox: await busybox() });
      process.stdout.write(built.bytes);
      console.error(`afsboot: ${release}@${version.version} for ${cellName}: ${built.bytes.length} bytes, sha256 ${built.sha256}`);
    });

  const host = program.commands.find((c) => c.name() === "host") ?? program.command("host").description("hosts");
  host
    .command("token")
    .description("print a host's report token (it travels in the host's PXE config); --all: hostname<TAB>token for every host")
    .argument("[host]", "hostname")
    .option("--all", "every host")
    .action(async (name: string | undefined, opts: { all?: boolean }) => {
      if (!name && !opts.all) throw new CliError("name a host, or use --all");
      if (name && opts.all) throw new CliError("either a host or --all, not both");
      const tokens = await (await data()).reportTokens(cliActor(), opts.all ? undefined : name);
      if (name && tokens.length === 0) throw new CliError(`no host named ${name}`);
      if (name) console.log(tokens[0]!.token);
      else for (const t of tokens) console.log(`${t.name}\t${t.token}`);
    });
}
