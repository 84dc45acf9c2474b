import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import * as events from "@/app/api/v1/boot-events/route";
import * as boots from "@/app/api/v1/hosts/[name]/boots/route";
import * as boot from "@/app/boot/[...path]/route";
import * as discovered from "@/app/api/v1/discovered/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { fetchReportsSettled } from "@/lib/data/boot-ingest";
import { enrollHosts } from "@/lib/data/host-bulk";
import { reportTokens } from "@/lib/data/snapshot";
import { admin, operator } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";

// The boot server's side of the report API: its DHCP hook with an API token (pxe, dhcp, no boot
// id yet), the console's own /boot/ serving, and the host's first report joining that boot.

let opApi = "";
let roApi = "";
let tok3 = "";
const export_ = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-boot-srv-"));
afterAll(() => fs.rmSync(export_, { recursive: true, force: true }));
beforeAll(async () => {
  process.env.AFSBOOT_EXPORT_DIR = export_;
  await seedInventory();
  await enrollHosts(operator, [hostIn(3), hostIn(4)]);
  tok3 = (await reportTokens(admin, "node003"))[0]!.token;
  opApi = (await createApiToken(admin, { name: "dhcp-events", role: "operator" }))!.token;
  roApi = (await createApiToken(admin, { name: "ro", role: "viewer" }))!.token;
});

const post = (fields: Record<string, string>, bearer?: string) =>
  events.POST(
    new NextRequest("http://127.0.0.1:3000/api/v1/boot-events", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": "10.0.0.2", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: new URLSearchParams(fields).toString(),
    }),
  );
const hostBoots = async (name: string) =>
  (
    await (
      await boots.GET(new NextRequest(`http://127.0.0.1:3000/api/v1/hosts/${name}/boots`, { headers: { authorization: `Bearer ${roApi}` } }), {
        params: Promise.resolve({ name }),
      })
    ).json()
  ).boots;

describe("reports of the boot server", () => {
  it("a DHCP hook's report opens a pre-boot that the host's first own report adopts: one boot from pxe to initrd", async () => {
    const mac = hostIn(3).mac;
    expect((await post({ mac, stage: "dhcp", ip: "10.0.0.13", message: "dnsmasq: lease add" }, opApi)).status).toBe(202);
    // the console serving the host's iPXE script is its pxe stage
    const file = `01-${mac.replace(/:/g, "-")}.ipxe`;
    fs.mkdirSync(path.join(export_, "ipxe"), { recursive: true });
    fs.writeFileSync(path.join(export_, "ipxe", file), "#!ipxe\n");
    const res = await boot.GET(new NextRequest(`http://127.0.0.1:3000/boot/ipxe/${file}`, { headers: { "x-forwarded-for": "10.0.0.13" } }), {
      params: Promise.resolve({ path: ["ipxe", file] }),
    });
    expect(res.status).toBe(200);
    await fetchReportsSettled(); // serving does not wait for its pxe report: wait here until it is stored
    let list = await hostBoots("node003");
    expect(list).toHaveLength(1);
    expect(list[0].bootId).toMatch(/^pre-/);
    expect(list[0].stages.map((s: { stage: string }) => s.stage)).toEqual(["pxe", "dhcp"]);
    expect((await post({ mac, bootId: "c0ffee00-0000-4000-8000-000000000003", stage: "initrd", token: tok3 })).status).toBe(202);
    list = await hostBoots("node003");
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ bootId: "c0ffee00-0000-4000-8000-000000000003", currentStage: "initrd", clientIp: "10.0.0.13" });
    expect(list[0].stages.map((s: { stage: string }) => s.stage)).toEqual(["pxe", "dhcp", "initrd"]);
    // the initrd's own DHCP, seen by a hook while the boot is under way, joins that boot
    expect((await post({ mac, stage: "dhcp", message: "kea: lease 10.0.0.13" }, opApi)).status).toBe(200); // dhcp was there
    expect((await post({ mac, stage: "pxe" }, opApi)).status).toBe(200);
    list = await hostBoots("node003");
    expect(list).toHaveLength(1);
    expect(list[0].bootId).toBe("c0ffee00-0000-4000-8000-000000000003");
    // once that boot has ended, the next boot's DHCP opens a new pre-boot
    expect(
      (await post({ mac, bootId: "c0ffee00-0000-4000-8000-000000000003", stage: "failed", failedStage: "afs", message: "no cell", token: tok3 })).status,
    ).toBe(202);
    expect((await post({ mac, stage: "dhcp" }, opApi)).status).toBe(202);
    list = await hostBoots("node003");
    expect(list).toHaveLength(2);
    expect(list[0].bootId).toMatch(/^pre-/);
    // an API token may also come as the token field (the hook posts it from a file)
    expect((await post({ mac, stage: "pxe", token: opApi })).status).toBe(202);
  });

  it("refuses a viewer's token, host stages from an API token, and a host report without a boot id; unknown MACs are discovered", async () => {
    const mac = hostIn(4).mac;
    expect((await post({ mac, stage: "dhcp" }, roApi)).status).toBe(403);
    expect((await post({ mac, stage: "up", bootId: "c0ffee00-0000-4000-8000-000000000004" }, opApi)).status).toBe(422);
    expect((await post({ mac, stage: "dhcp" }, "afsb_notatoken")).status).toBe(401);
    const noBoot = await post({ mac, stage: "initrd", token: (await reportTokens(admin, "node004"))[0]!.token });
    expect(noBoot.status).toBe(422);
    expect((await noBoot.json()).error.fields).toEqual([
      { path: "bootId", message: "bootId is required (only pxe and dhcp reports of the boot server may leave it out)" },
    ]);
    expect(await db.boot.count({ where: { host: { name: "node004" } } })).toBe(0);
    const unknown = await post({ mac: "02:00:00:00:01:99", stage: "dhcp", ip: "10.0.0.199" }, opApi);
    expect(await unknown.json()).toEqual({ accepted: true, discovered: true });
    expect(await db.discoveredHost.findUnique({ where: { mac: "02:00:00:00:01:99" } })).toMatchObject({ lastStage: "dhcp", lastIp: "10.0.0.199" });
    // the unknown hosts list through the API (viewer), and what it refuses
    const list = (q: string, bearer?: string) =>
      discovered.GET(new NextRequest(`http://127.0.0.1:3000/api/v1/discovered${q}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} }), {
        params: Promise.resolve({}),
      });
    const got = await list("", roApi);
    expect(got.status).toBe(200);
    expect((await got.json()).items).toContainEqual(expect.objectContaining({ mac: "02:00:00:00:01:99", lastStage: "dhcp" }));
    expect((await list("")).status).toBe(401);
    expect((await list("?page=0", roApi)).status).toBe(422);
  });
});

describe("scripts/hooks/afsboot-dhcp-event", () => {
  const script = path.resolve("scripts/hooks/afsboot-dhcp-event");
  const run = (args: string[], env: Record<string, string> = {}, withCurl = true) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-hook-"));
    const log = path.join(dir, "calls");
    fs.writeFileSync(path.join(dir, "dhcp-event.conf"), "AFSBOOT_URL=http://console:3000/\nAFSBOOT_TOKEN=afsb_secret\n");
    // stand-ins for curl/wget that record their arguments, one per line, then what they read: a
    // config on stdin (curl -K -) or the body file (wget --post-file), as "STDIN:" / "BODY:" lines
    const fake = [
      "#!/bin/sh",
      `out=${log}.tmp`,
      'for a in "$@"; do printf \'%s\\n\' "$a"; done >"$out"',
      'prev=; for a in "$@"; do [ "$prev" = --post-file ] && printf \'BODY:%s\\n\' "$(cat "$a")" >>"$out"; [ "$prev" = -K ] && printf \'STDIN:%s\\n\' "$(cat)" >>"$out"; prev=$a; done',
      `mv "$out" ${log}`,
      "",
    ].join("\n");
    fs.writeFileSync(path.join(dir, withCurl ? "curl" : "wget"), fake, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "timeout"), '#!/bin/sh\nshift\nexec "$@"\n', { mode: 0o755 });
    const client = withCurl ? "curl" : "wget";
    // The hook sends its report in the background and exits at once. Every process it starts
    // inherits fd 3, a pipe: execFileSync returns only once the last of them has exited, so the
    // calls file is complete then, or absent for good (no waiting for a call that may still come).
    execFileSync("/bin/sh", [script, ...args], {
      env: {
        PATH: `${dir}:/usr/bin:/bin`,
        AFSBOOT_EVENT_CONF: path.join(dir, "dhcp-event.conf"),
        AFSBOOT_HTTP_CLIENT: client,
        ...env,
      } as unknown as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe", "pipe"],
    });
    const out = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trimEnd().split("\n") : [];
    fs.rmSync(dir, { recursive: true, force: true });
    return out;
  };
  const data = (calls: string[]) => {
    const flag = calls.findIndex((a) => a === "--data" || a === "--post-data");
    const body = calls.find((a) => a.startsWith("BODY:"));
    const text = flag >= 0 ? calls[flag + 1] : body?.slice(5);
    if (text === undefined) return {};
    const fields = Object.fromEntries(new URLSearchParams(text));
    delete fields.token; // checked on its own
    return fields;
  };

  it("passes shellcheck", () => {
    execFileSync("shellcheck", [script]);
  });

  it("dnsmasq leases to boot firmware and TFTP fetches of a pxelinux config; Kea's committed leases of booting clients", () => {
    const ipxe = { DNSMASQ_USER_CLASS0: "iPXE" };
    const add = run(["add", "52:54:00:aa:bb:cc", "10.0.0.50", "node050"], ipxe);
    // the token reaches curl on stdin, never as an argument
    expect(add).toContain('STDIN:header = "Authorization: Bearer afsb_secret"');
    expect(add.filter((a) => !a.startsWith("STDIN:")).join(" ")).not.toContain("afsb_secret");
    expect(add.filter((a) => !a.startsWith("STDIN:")).at(-1)).toBe("http://console:3000/api/v1/boot-events");
    expect(data(add)).toEqual({ mac: "52:54:00:aa:bb:cc", stage: "dhcp", ip: "10.0.0.50", message: "dnsmasq: lease add 10.0.0.50 (node050) to iPXE" });
    // a rebooting host whose lease is still valid: "old", from its PXE ROM
    expect(data(run(["old", "52:54:00:aa:bb:cc", "10.0.0.50"], { DNSMASQ_VENDOR_CLASS: "PXEClient:Arch:00000:UNDI:002001" }))).toMatchObject({
      stage: "dhcp",
      message: "dnsmasq: lease old 10.0.0.50 to PXE",
    });
    expect(data(run(["tftp", "1234", "10.0.0.50", "/srv/afsboot/pxelinux.cfg/01-52-54-00-aa-bb-cc"]))).toMatchObject({
      mac: "52:54:00:aa:bb:cc",
      stage: "pxe",
      ip: "10.0.0.50",
    });
    // a Secure Boot host's GRUB fetching its own config; UEFI HTTP boot firmware
    expect(data(run(["tftp", "1234", "10.0.0.50", "/srv/afsboot/grub/01-52-54-00-aa-bb-cc.cfg"]))).toEqual({
      mac: "52:54:00:aa:bb:cc",
      stage: "pxe",
      ip: "10.0.0.50",
      message: "TFTP 01-52-54-00-aa-bb-cc.cfg",
    });
    expect(data(run(["add", "52:54:00:aa:bb:cc", "10.0.0.50"], { DNSMASQ_VENDOR_CLASS: "HTTPClient:Arch:00016:UNDI:003000" }))).toMatchObject({
      stage: "dhcp",
      message: "dnsmasq: lease add 10.0.0.50 to HTTP",
    });
    const viaWget = run(
      ["leases4_committed"],
      { LEASES4_SIZE: "1", LEASES4_AT0_HWADDR: "52:54:00:aa:bb:cd", LEASES4_AT0_ADDRESS: "10.0.0.51", QUERY4_CIADDR: "0.0.0.0" },
      false,
    );
    expect(viaWget.filter((a) => !a.startsWith("BODY:")).join(" ")).not.toContain("afsb_secret");
    expect(new URLSearchParams(viaWget.find((a) => a.startsWith("BODY:"))!.slice(5)).get("token")).toBe("afsb_secret");
    expect(data(viaWget)).toMatchObject({
      mac: "52:54:00:aa:bb:cd",
      stage: "dhcp",
      ip: "10.0.0.51",
    });
  });

  it("ISC dhcpd's on commit: the MAC as binary-to-ascii prints it (no leading zeros) padded again", () => {
    expect(data(run(["dhcpd-commit", "52:54:0:a:bb:c", "10.0.0.53", "PXE"]))).toEqual({
      mac: "52:54:00:0a:bb:0c",
      stage: "dhcp",
      ip: "10.0.0.53",
      message: "dhcpd: lease 10.0.0.53 to PXE",
    });
    expect(data(run(["dhcpd-commit", "52:54:00:aa:bb:cc", "10.0.0.50", "iPXE"]))).toMatchObject({
      mac: "52:54:00:aa:bb:cc",
      message: "dhcpd: lease 10.0.0.50 to iPXE",
    });
    expect(data(run(["dhcpd-commit", "52:54:00:aa:bb:cc", "10.0.0.50", "HTTP"]))).toMatchObject({ message: "dhcpd: lease 10.0.0.50 to HTTP" });
    // the generated config calls it for boot firmware only; anything else is not a boot
    expect(run(["dhcpd-commit", "52:54:0:a:bb:c", "10.0.0.53", "linux"])).toEqual([]);
    expect(run(["dhcpd-commit", "52:54:0:a:bb", "10.0.0.53", "PXE"])).toEqual([]);
    expect(run(["dhcpd-commit", "52:54:0:a:bb:c:d", "10.0.0.53", "PXE"])).toEqual([]);
    expect(run(["dhcpd-commit", "52:54:0:a:bb:$(reboot)", "10.0.0.53", "PXE"])).toEqual([]);
  });

  it("does not report renewals, the initrd's own DHCP client or dnsmasq replaying its lease file", () => {
    expect(run(["old", "52:54:00:aa:bb:cc", "10.0.0.50", "node050"])).toEqual([]); // startup replay: no request
    expect(run(["old", "52:54:00:aa:bb:cc", "10.0.0.50"], { DNSMASQ_VENDOR_CLASS: "udhcp 1.35.0" })).toEqual([]);
    expect(run(["add", "52:54:00:aa:bb:cc", "10.0.0.50"], { DNSMASQ_VENDOR_CLASS: "MSFT 5.0" })).toEqual([]);
    expect(
      run(["leases4_committed"], { LEASES4_SIZE: "1", LEASES4_AT0_HWADDR: "52:54:00:aa:bb:cd", LEASES4_AT0_ADDRESS: "10.0.0.51", QUERY4_CIADDR: "10.0.0.51" }),
    ).toEqual([]);
    expect(run(["lease4_renew"], { LEASE4_HWADDR: "52:54:00:aa:bb:ce", LEASE4_ADDRESS: "10.0.0.52" })).toEqual([]);
  });

  it("sends nothing for other events, bad values or a missing configuration", () => {
    expect(run(["del", "52:54:00:aa:bb:cc", "10.0.0.50"])).toEqual([]);
    expect(run(["tftp", "1", "10.0.0.50", "/srv/undionly.kpxe"])).toEqual([]);
    expect(run(["tftp", "1", "10.0.0.50", "/srv/grub/grub.cfg"])).toEqual([]);
    expect(run(["tftp", "1", "10.0.0.50", "/srv/grub/01-52-54-00-aa-bb-cc.cfgx"])).toEqual([]);
    expect(run(["leases4_committed"], { LEASES4_SIZE: "0" })).toEqual([]);
    expect(run(["add", "$(reboot)", "10.0.0.50"], { DNSMASQ_USER_CLASS0: "iPXE" })).toEqual([]);
    expect(run(["pkt4_receive"])).toEqual([]);
    expect(run(["add", "52:54:00:aa:bb:cc", "10.0.0.50"], { AFSBOOT_EVENT_CONF: "/nonexistent", DNSMASQ_USER_CLASS0: "iPXE" })).toEqual([]);
    expect(data(run(["add", "52:54:00:aa:bb:cc", "10.0.0.50;reboot", "x&stage=up"], { DNSMASQ_USER_CLASS0: "iPXE" }))).toMatchObject({ stage: "dhcp", ip: "" });
  });
});
