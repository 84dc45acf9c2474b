import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import dgram from "node:dgram";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { runProcess } from "../publish/run";

// A real MIT Kerberos realm for tests: Debian's krb5kdc and kadmind (krb5-kdc, krb5-admin-server)
// run as the current user from a temporary folder, on 127.0.0.1 and free ports, with a database,
// stash, ACL, logs and configuration of their own (KRB5_KDC_PROFILE, KRB5_CONFIG: nothing of
// /etc/krb5.conf or /etc/krb5kdc is read). The console's admin principal gets a keytab extracted
// with kadmin.local and the rights the ACL names on host/*. Both daemons stay in the foreground
// (-n, -nofork) as children, are ready once the real kinit and kadmin get an answer, and are
// stopped by PID.

const SBIN = ["/usr/sbin", "/sbin"];

/** A program's path, from PATH or the sbin folders (kdb5_util and the daemons live in /usr/sbin). */
function which(bin: string): string | null {
  const dirs = [...(process.env.PATH ?? "").split(":"), ...SBIN].filter((d) => d !== "");
  for (const d of dirs) if (fs.existsSync(path.join(d, bin))) return path.join(d, bin);
  return null;
}

const PROGRAMS = ["krb5kdc", "kadmind", "kdb5_util", "kadmin.local", "kadmin", "kinit"] as const;

/** Why the real-KDC tests cannot run here, or null when they can. */
export function kdcMissing(): string | null {
  const missing = PROGRAMS.filter((b) => !which(b));
  return missing.length ? `${missing.join(", ")} not installed (Debian: apt-get install krb5-kdc krb5-admin-server krb5-user)` : null;
}

/** A port on 127.0.0.1 free for TCP and UDP alike a moment ago (Kerberos listens on both). */
export async function freeKerberosPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    const udp = dgram.createSocket("udp4");
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once("error", () => resolve(false));
      udp.bind(port, "127.0.0.1", () => resolve(true));
    });
    await new Promise<void>((resolve) => (udpFree ? udp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (udpFree) return port;
  }
  throw new Error("no port on 127.0.0.1 free for both TCP and UDP");
}

export interface TestKdc {
  realm: string;
  /** "127.0.0.1:P" (UDP and TCP) */
  kdc: string;
  /** kadmind, "127.0.0.1:Q" */
  adminServer: string;
  /** the console's admin principal, with its realm: "afsboot/admin@REALM" */
  consolePrincipal: string;
  /** its keytab (a path in the KDC's folder) */
  consoleKeytab: string;
  /** a krb5.conf naming this realm, its KDC and admin server */
  krb5Conf: string;
  /** the KDC's folder */
  dir: string;
  /** an environment for the real client programs (kinit, klist, kadmin) against this realm */
  clientEnv(ccache: string): Record<string, string>;
  /** runs a kadmin.local query on the database (as the KDC's administrator); its output */
  kadminLocal(query: string): Promise<string>;
  /** what the daemons logged */
  log(): string;
  stop(): Promise<void>;
}

export interface KdcOptions {
  realm?: string;
  /** without a realm: "afsboot/admin" */
  consolePrincipal?: string;
  /**
   * the console's rights on host/*@REALM in kadm5.acl (MIT: a add, c change keys, i inquire, e
   * extract with -norandkey, …); "aci" is what creating a principal and `ktadd` need
   */
  rights?: string;
}

function kdcConf(dir: string, realm: string, kdcPort: number, adminPort: number, kpasswdPort: number): string {
  return `[kdcdefaults]
 kdc_listen = 127.0.0.1:${kdcPort}
 kdc_tcp_listen = 127.0.0.1:${kdcPort}

[realms]
 ${realm} = {
  database_name = ${dir}/principal
  key_stash_file = ${dir}/stash
  acl_file = ${dir}/kadm5.acl
  kdc_listen = 127.0.0.1:${kdcPort}
  kdc_tcp_listen = 127.0.0.1:${kdcPort}
  kadmind_listen = 127.0.0.1:${adminPort}
  kpasswd_listen = 127.0.0.1:${kpasswdPort}
  max_life = 1h
 }

[logging]
 kdc = FILE:${dir}/krb5kdc.log
 admin_server = FILE:${dir}/kadmind.log
 default = FILE:${dir}/krb5.log
`;
}

/** A client krb5.conf for one realm: no DNS, no reverse lookups, the KDC and admin server named. */
export function clientKrb5Conf(realm: string, kdc: string, adminServer: string): string {
  return `[libdefaults]
 default_realm = ${realm}
 dns_lookup_kdc = false
 dns_lookup_realm = false
 dns_canonicalize_hostname = false
 rdns = false

[realms]
 ${realm} = {
  kdc = ${kdc}
  admin_server = ${adminServer}
 }
`;
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.pid === undefined || !alive(c)) return;
  const gone = new Promise((resolve) => c.once("exit", resolve));
  process.kill(c.pid, "SIGTERM");
  const late = await Promise.race([gone.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5000).unref())]);
  if (late && alive(c)) process.kill(c.pid, "SIGKILL");
}

/** Creates a realm and starts its KDC and kadmind; resolves once both answer the real clients. */
export async function startKdc(options: KdcOptions = {}): Promise<TestKdc> {
  const realm = options.realm ?? "AFSBOOT.TEST";
  const consolePrincipal = `${options.consolePrincipal ?? "afsboot/admin"}@${realm}`;
  const rights = options.rights ?? "aci";
  const missing = kdcMissing();
  if (missing) throw new Error(missing);
  const bin = (b: (typeof PROGRAMS)[number]) => which(b)!;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-kdc-"));
  const children: ChildProcess[] = [];
  const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : "");
  const log = () => ["krb5kdc.log", "kadmind.log", "krb5.log", "daemons.out"].map((f) => read(f)).join("");
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [kdcPort, adminPort, kpasswdPort] = [await freeKerberosPort(), await freeKerberosPort(), await freeKerberosPort()];
    const kdc = `127.0.0.1:${kdcPort}`;
    const adminServer = `127.0.0.1:${adminPort}`;
    const krb5Conf = path.join(dir, "krb5.conf");
    const consoleKeytab = path.join(dir, "console.keytab");
    fs.writeFileSync(path.join(dir, "kdc.conf"), kdcConf(dir, realm, kdcPort, adminPort, kpasswdPort));
    fs.writeFileSync(krb5Conf, clientKrb5Conf(realm, kdc, adminServer));
    fs.writeFileSync(path.join(dir, "kadm5.acl"), `${consolePrincipal} ${rights} host/*@${realm}\n`);
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C", KRB5_CONFIG: krb5Conf, KRB5_KDC_PROFILE: path.join(dir, "kdc.conf") };

    const admin = async (program: string, args: string[], what: string) => {
      const r = await runProcess(program, args, { timeoutMs: 60_000, env });
      // kadmin.local answers 0 even when a query failed: its output says, on a line "command: reason"
      if (r.code !== 0 || /^[a-z0-9_.]+: /m.test(r.output)) throw new Error(`${what} failed: ${r.output.trim() || r.error || `code ${r.code}`}`);
      return r.output;
    };
    const kadminLocal = (query: string) => admin(bin("kadmin.local"), ["-r", realm, "-q", query], `kadmin.local ${query}`);

    // a throwaway master password: the stash file is what the daemons use
    await admin(bin("kdb5_util"), ["create", "-s", "-r", realm, "-P", crypto.randomBytes(18).toString("base64url")], "kdb5_util create");
    await kadminLocal(`addprinc -randkey ${consolePrincipal}`);
    await kadminLocal(`ktadd -k ${consoleKeytab} ${consolePrincipal}`);

    const out = fs.openSync(path.join(dir, "daemons.out"), "a");
    for (const [program, args] of [
      [bin("krb5kdc"), ["-n", "-r", realm]],
      [bin("kadmind"), ["-nofork", "-r", realm]],
    ] as const) {
      const child = spawn(program, args, { stdio: ["ignore", out, out], env: env as unknown as NodeJS.ProcessEnv });
      children.push(child);
    }
    fs.closeSync(out);

    const clientEnv = (ccache: string) => ({ PATH: env.PATH, LC_ALL: "C", KRB5_CONFIG: krb5Conf, KRB5CCNAME: `FILE:${ccache}` });
    const ccache = path.join(dir, "ready.ccache");
    const answers = async (): Promise<boolean> => {
      const kinit = await runProcess(bin("kinit"), ["-k", "-t", consoleKeytab, consolePrincipal], { timeoutMs: 10_000, env: clientEnv(ccache) });
      if (kinit.code !== 0) return false;
      const kadmin = await runProcess(bin("kadmin"), ["-r", realm, "-s", adminServer, "-p", consolePrincipal, "-k", "-t", consoleKeytab, "-q", "get_privs"], {
        timeoutMs: 10_000,
        env: clientEnv(ccache),
      });
      return kadmin.code === 0 && /current privileges:/i.test(kadmin.output);
    };
    // ready when both answer; the bound is for a busy machine, the loop ends as soon as they do
    const deadline = Date.now() + 30_000;
    while (!(await answers())) {
      if (children.some((c) => !alive(c))) throw new Error(`a Kerberos daemon ended while starting: ${log().trim() || "no output"}`);
      if (Date.now() > deadline) throw new Error(`the KDC did not answer within 30 s: ${log().trim() || "no output"}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    fs.rmSync(ccache, { force: true });

    return { realm, kdc, adminServer, consolePrincipal, consoleKeytab, krb5Conf, dir, clientEnv, kadminLocal, log, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
