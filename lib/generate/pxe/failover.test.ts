import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FAILOVER_FIXTURE, FIXTURE, overlaysFor } from "../fixtures";
import { LAYOUT, servingPoints } from "../snapshot";
import { pxeFiles } from "./index";

// iPXE scripts of hosts whose network has several boot servers: one block per server, chained by
// `|| goto`. The scripts are run here by a small interpreter of the commands they use, with each
// server up or down, so that the chain's behaviour (not only its text) is what the tests check;
// the lab boots the same scripts with the real iPXE.

const GOLDEN = path.join(import.meta.dirname, "__golden_failover__");

type Outcome = { booted: string; kernel: string; cmdline: string; tries: string[] } | { rebooted: true; tries: string[] };

/**
 * Runs a host script: `up` says which HTTP hosts answer, `nextServer` is the DHCP server's
 * address. Understands exactly the commands the generator writes; anything else fails the test.
 */
function runIpxe(script: string, up: (host: string) => boolean, nextServer: string): Outcome {
  const lines = script.split("\n").filter((l) => l && !l.startsWith("#") && l !== "#!ipxe");
  const labels = new Map(lines.flatMap((l, i) => (l.startsWith(":") ? [[l.slice(1), i] as const] : [])));
  const vars = new Map<string, string>([["next-server", nextServer]]);
  const expand = (s: string) => s.replace(/\$\{([^}]+)\}/g, (_, k: string) => vars.get(k) ?? "");
  const tries: string[] = [];
  let images: string[] = [];
  let kernel = "";
  let pc = 0;
  for (let steps = 0; steps < 10_000; steps++) {
    const line = expand(lines[pc]!);
    pc++;
    if (line.startsWith(":")) continue;
    // "CMD || goto X", or "CMD ||" (a failure ignored)
    const bare = line.endsWith(" ||");
    const [cmd, ...orParts] = (bare ? line.slice(0, -3) : line).split(" || ");
    const onFail = orParts.join(" || ").trim();
    const fails = () => {
      if (onFail.startsWith("goto ")) pc = labels.get(onFail.slice(5))!;
      else if (onFail !== "") throw new Error(`unexpected fallback ${onFail}`);
    };
    const words = cmd!.split(" ");
    if (cmd!.includes(" && goto ")) {
      const [test, target] = cmd!.split(" && goto ");
      const [, a, b] = test!.split(" ");
      if (a === b) pc = labels.get(target!)!;
      continue;
    }
    switch (words[0]) {
      case "set":
        vars.set(words[1]!, words.slice(2).join(" "));
        break;
      case "echo":
      case "sleep":
        break;
      case "imgfree":
        images = [];
        kernel = "";
        break;
      case "goto":
        pc = labels.get(words[1]!)!;
        break;
      case "kernel":
      case "initrd": {
        const url = words[0] === "kernel" ? words[1]! : words[3]!;
        const host = new URL(url).host;
        tries.push(`${words[0]} ${host}`);
        if (!up(host)) {
          fails();
          break;
        }
        if (words[0] === "kernel") kernel = cmd!;
        images.push(url);
        break;
      }
      case "boot": {
        const hosts = new Set(images.map((u) => new URL(u).host));
        if (!kernel || images.length !== 3) throw new Error(`boot with ${images.length} images`);
        return { booted: [...hosts].join(","), kernel: images[0]!, cmdline: kernel, tries };
      }
      case "reboot":
        return { rebooted: true, tries };
      default:
        throw new Error(`the interpreter does not know ${JSON.stringify(line)}`);
    }
  }
  throw new Error("the script loops");
}

const snap = FAILOVER_FIXTURE;
const files = pxeFiles(snap, overlaysFor(snap));
const script = (mac: string) => files.find((f) => f.path === LAYOUT.ipxe(mac))!.content;

describe("iPXE scripts of a network with several boot servers", () => {
  it("match the golden files, and so do the GRUB configs of its Secure Boot hosts (UPDATE_GOLDEN=1 rewrites them)", () => {
    for (const dir of ["ipxe", "grub"]) {
      const own = files.filter((f) => f.path.startsWith(`${dir}/01-`));
      expect(own.length, dir).toBeGreaterThan(0);
      if (process.env.UPDATE_GOLDEN === "1") {
        fs.rmSync(path.join(GOLDEN, dir), { recursive: true, force: true });
        fs.mkdirSync(path.join(GOLDEN, dir));
        for (const f of own) fs.writeFileSync(path.join(GOLDEN, f.path), f.content);
      }
      for (const f of own) expect(f.content, f.path).toBe(fs.readFileSync(path.join(GOLDEN, f.path), "utf8"));
      expect(fs.readdirSync(path.join(GOLDEN, dir)).length).toBe(own.length);
    }
  });

  it("leave the scripts of a network with one boot server as they were", () => {
    const single = pxeFiles(FIXTURE, overlaysFor(FIXTURE)).filter((f) => f.path.startsWith("ipxe/01-"));
    for (const f of single) expect(f.content).not.toContain("afsboot.bootserver=");
  });

  it("negative control: the interpreter sees a chain that gives up before trying the next server", () => {
    const host = snap.hosts[0]!;
    const servers = servingPoints(snap.networks.find((n) => n.name === host.network)!);
    const first = new URL(servers[0]!.base).host;
    const good = runIpxe(script(host.mac), (h) => h !== first, servers[0]!.address);
    expect("booted" in good).toBe(true);
    const broken = script(host.mac).replace(/goto server-1$/gm, "goto failed");
    expect("rebooted" in runIpxe(broken, (h) => h !== first, servers[0]!.address)).toBe(true);
  });

  for (const host of snap.hosts) {
    const net = snap.networks.find((n) => n.name === host.network)!;
    const servers = servingPoints(net);
    const hostOf = (base: string) => new URL(base).host;

    it(`${host.name}: every combination of servers up and every DHCP server: boots from the first live server from the DHCP server's on, or reboots when none lives`, () => {
      const text = script(host.mac);
      fc.assert(
        fc.property(fc.array(fc.boolean(), { minLength: servers.length, maxLength: servers.length }), fc.nat(servers.length - 1), (alive, dhcp) => {
          const live = new Set(servers.filter((_, i) => alive[i]).map((s) => hostOf(s.base)));
          const out = runIpxe(text, (h) => live.has(h), servers[dhcp]!.address);
          // in order from the server that gave the lease, wrapping around
          const order = servers.map((_, k) => servers[(dhcp + k) % servers.length]!);
          const expected = order.find((s) => live.has(hostOf(s.base)));
          if (!expected) {
            expect("rebooted" in out).toBe(true);
            // every server was tried exactly once
            expect(out.tries.filter((t) => t.startsWith("kernel")).length).toBe(servers.length);
            return;
          }
          expect("booted" in out, JSON.stringify(out)).toBe(true);
          if (!("booted" in out)) return;
          // kernel and both initrds from one server, which the command line names
          expect(out.booted).toBe(hostOf(expected.base));
          expect(out.cmdline).toContain(` afsboot.bootserver=${expected.name} `);
          expect(out.cmdline.match(/afsboot\.bootserver=/g)!.length).toBe(1);
          // the dead servers before it were tried once each, none after
          const before = order.slice(0, order.indexOf(expected));
          expect(out.tries.filter((t) => t.startsWith("kernel"))).toEqual([...before, expected].map((s) => `kernel ${hostOf(s.base)}`));
        }),
        { numRuns: 40 },
      );
    });

    it(`${host.name}: a server that dies after the kernel was fetched (its initrds fail): the next server's block loads everything again`, () => {
      const first = hostOf(servers[0]!.base);
      let kernelFetched = false;
      const out = runIpxe(
        script(host.mac).replace(/^initrd (--name \S+ )/gm, "initrd $1"),
        (h) => {
          if (h !== first) return true;
          if (!kernelFetched) return (kernelFetched = true);
          return false; // the primary is gone once its kernel came
        },
        servers[0]!.address,
      );
      expect("booted" in out && out.booted).toBe(hostOf(servers[1]!.base));
      expect(out.tries.slice(0, 2)).toEqual([`kernel ${first}`, `initrd ${first}`]);
    });
  }
});
