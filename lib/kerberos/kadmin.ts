import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runProcess } from "../publish/run";
import { KeytabError, parseKeytab, requirePrincipal, summarizeKeytab } from "./keytab";

// A host's Kerberos principal and keytab, made through MIT's kadmin: the network client, talking
// to kadmind as the console's own admin principal with the console's keytab (never kadmin.local,
// which needs the KDC's database on this machine). Two queries:
//
//   addprinc -randkey host/<fqdn>@REALM     the principal, with random keys (kvno 1)
//   ktadd -k <temp file> host/<fqdn>@REALM  new random keys (kvno + 1), written to the file
//
// ktadd always gives the principal new keys, which is the point: each call is a rotation, and the
// keytab a host had before stops working (its kvno is behind). `ktadd -norandkey` would extract
// the current keys instead, but only kadmin.local can do that, so a console on another machine
// cannot; and a keytab that never changes is one a stolen copy of stays good with. So a first
// keytab has kvno 2, the next 3, and so on.
//
// The ACL on kadmind must give the console principal "a" (add), "c" (change keys: ktadd) and "i"
// (inquire: ktadd reads the principal) on host/*@REALM: `afsboot/admin@REALM aci host/*@REALM`.
// ("e", extract, is only for -norandkey.)
//
// The console keytab is read here first (never logged): a keytab without the console principal's
// key is named with the principals it does hold, and one for the same name in another realm points
// at a wrong realm, which kadmin would only call "no suitable keys".
//
// kadmin runs with a krb5.conf of its own (KRB5_CONFIG: the realm, its KDCs and admin server, no
// DNS), a credential cache in a private temporary folder, a minimal environment, and a timeout.
// kadmin answers 0 when a query fails (only a failure to connect or authenticate ends it with 1),
// so its output is what says: the messages matched below are MIT krb5 1.20's (Debian 12), checked
// against a real KDC and kadmind in lib/kerberos/kadmin.test.ts. kadmin never prints keys; the
// errors here name principals, the realm, servers and the console keytab's path, nothing more.

export interface KadminConfig {
  /** the Kerberos realm of the hosts (AFSBOOT_REALM) */
  realm: string;
  /** kadmind: host or host:port, [IPv6]:port (AFSBOOT_KADMIN_SERVER) */
  adminServer: string;
  /** the realm's KDCs, host or host:port (AFSBOOT_KDCS); by default the admin server's host, port 88 */
  kdcs?: readonly string[];
  /** the console's admin principal, "afsboot/admin" or "afsboot/admin@REALM" (AFSBOOT_KADMIN_PRINCIPAL) */
  principal: string;
  /** the path of the console principal's keytab (AFSBOOT_KADMIN_KEYTAB) */
  keytab: string;
  /** the whole call's budget, both kadmin runs (default 30 s) */
  timeoutMs?: number;
  /** the kadmin program (default: from PATH) */
  kadmin?: string;
}

export interface HostKeytab {
  /** "host/<fqdn>@REALM" */
  principal: string;
  /** the keytab file's bytes (format 0x0502), to seal and deliver: a secret */
  keytab: Buffer;
  /** the key version in it */
  kvno: number;
  enctypes: string[];
  /** false when the principal existed and got new keys */
  created: boolean;
}

export type KadminErrorCode =
  | "invalid" // a realm, host name, principal or server the console will not hand to kadmin
  | "console-keytab" // the console's keytab is missing, unreadable, or holds no good key for its principal
  | "console-principal" // the KDC does not know the console's principal
  | "unreachable" // no KDC or admin server answered
  | "timeout"
  | "realm" // the servers do not serve the realm
  | "permission" // kadmind's ACL does not give the console the right
  | "exists" // the host principal exists and reuse was not asked for
  | "not-installed"
  | "failed";

export class KadminError extends Error {
  constructor(
    readonly code: KadminErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "KadminError";
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

const REALM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const FQDN = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`);
const SERVER = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;
/** a principal name without its realm: components of letters, digits and . _ - joined by '/' */
const NAME = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

function checkServer(s: string, what: string): string {
  const m = SERVER.exec(s);
  if (!m || (m[1] !== undefined && (Number(m[1]) < 1 || Number(m[1]) > 65535)))
    throw new KadminError("invalid", `not a ${what} address: ${JSON.stringify(s)} (host or host:port)`);
  return s;
}

/** The console principal with its realm; a realm other than the hosts' is refused. */
function consolePrincipal(principal: string, realm: string): string {
  const [name = "", at, ...more] = principal.split("@");
  if (!NAME.test(name) || more.length > 0 || (at !== undefined && at !== realm))
    throw new KadminError("invalid", `not an admin principal of realm ${realm}: ${JSON.stringify(principal)}`);
  return `${name}@${realm}`;
}

/** The admin server's host alone (no port), for the default KDC. */
const hostOf = (server: string) => (server.startsWith("[") ? server.slice(0, server.indexOf("]") + 1) : server.split(":")[0]!);

/** The krb5.conf kadmin gets: this realm only, no DNS lookups of KDCs nor of host names. */
function krb5Conf(realm: string, kdcs: string[], adminServer: string): string {
  return [
    "[libdefaults]",
    ` default_realm = ${realm}`,
    " dns_lookup_kdc = false",
    " dns_lookup_realm = false",
    " dns_canonicalize_hostname = false",
    " rdns = false",
    "",
    "[realms]",
    ` ${realm} = {`,
    ...kdcs.map((k) => `  kdc = ${k}`),
    `  admin_server = ${adminServer}`,
    " }",
    "",
  ].join("\n");
}

interface Context {
  realm: string;
  principal: string;
  keytab: string;
  adminServer: string;
  kdcs: string[];
}

/** kadmin's messages, what they mean for the console. The first that matches names the cause. */
const CAUSES: { test: RegExp; code: KadminErrorCode; says: (c: Context, m: RegExpExecArray) => string }[] = [
  {
    test: /Keytab contains no suitable keys|No key table entry found/,
    code: "console-keytab",
    says: (c) => `the console keytab ${c.keytab} holds no key for ${c.principal}`,
  },
  { test: /Key table file '.*' not found/, code: "console-keytab", says: (c) => `the console keytab ${c.keytab} does not exist` },
  {
    test: /Unsupported key table format version|Bad format in keytab|Permission denied while|Is a directory/,
    code: "console-keytab",
    says: (c) => `the console keytab ${c.keytab} cannot be read as a keytab`,
  },
  {
    test: /Incorrect password|Password incorrect|Preauthentication failed|Decrypt integrity check failed/,
    code: "console-keytab",
    says: (c) =>
      `the KDC refused the key of ${c.principal} in the console keytab ${c.keytab}: an old key, the principal's keys were changed after the keytab was made`,
  },
  {
    // what an MIT KDC also answers for a realm it does not serve
    test: /Client '.*' not found in Kerberos database/,
    code: "console-principal",
    says: (c) =>
      `the KDC (${c.kdcs.join(", ")}) does not know the console principal ${c.principal}: it was never created or was deleted, or that KDC does not serve ${c.realm}`,
  },
  {
    test: /Cannot contact any KDC for realm/,
    code: "unreachable",
    says: (c) => `no KDC of ${c.realm} answered (${c.kdcs.join(", ")}): it is down, unreachable, or not at that address`,
  },
  {
    test: /Communication failure with server|Connection refused|Cannot resolve network address for admin server|No route to host/,
    code: "unreachable",
    says: (c) => `the admin server ${c.adminServer} (kadmind) did not answer: it is down, unreachable, or not at that address`,
  },
  {
    test: /Operation requires ``([a-z-]+)'' privilege/,
    code: "permission",
    says: (c, m) => `kadmind's ACL does not give ${c.principal} the "${m[1]}" privilege on host principals (it needs "aci" on host/*@${c.realm})`,
  },
  {
    test: /Cannot find KDC for realm|Realm not local to KDC|Server not found in Kerberos database|Wrong realm/i,
    code: "realm",
    says: (c) => `the servers named for ${c.realm} do not serve that realm (KDC ${c.kdcs.join(", ")}, admin server ${c.adminServer})`,
  },
];

/** kadmin's lines that are not the reason of a failure. */
const CHATTER = [/^Authenticating as principal /, /^No policy specified for /, /^WARNING: no policy specified/];

function meaningful(output: string): string[] {
  return output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !CHATTER.some((c) => c.test(l)));
}

function explain(c: Context, output: string, code: number | null): KadminError {
  const lines = meaningful(output);
  const last = lines.at(-1) ?? `kadmin ended with code ${code ?? "none"} and no message`;
  for (const cause of CAUSES) {
    const line = lines.find((l) => cause.test.test(l));
    if (line) return new KadminError(cause.code, `${cause.says(c, cause.test.exec(line)!)} (${line})`);
  }
  return new KadminError("failed", `kadmin failed: ${last}`);
}

/**
 * The console keytab read here first, for messages kadmin cannot give: which principals it holds
 * when it lacks the console's, and a realm that differs from the one configured.
 */
function checkConsoleKeytab(file: string, c: Context): void {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : "cannot be read";
    throw new KadminError("console-keytab", `the console keytab ${c.keytab} ${why}`);
  }
  let held: string[];
  try {
    held = summarizeKeytab(parseKeytab(bytes)).principals.map((p) => p.principal);
  } catch (e) {
    if (e instanceof KeytabError) throw new KadminError("console-keytab", `the console keytab ${c.keytab} cannot be used: ${e.message}`);
    throw e;
  } finally {
    bytes.fill(0);
  }
  if (held.includes(c.principal)) return;
  const name = c.principal.slice(0, c.principal.lastIndexOf("@"));
  const elsewhere = held.filter((p) => p.slice(0, p.lastIndexOf("@")) === name);
  if (elsewhere.length > 0)
    throw new KadminError(
      "realm",
      `the console keytab ${c.keytab} holds keys for ${elsewhere.join(", ")}, not for ${c.principal}: is ${c.realm} the right realm?`,
    );
  throw new KadminError("console-keytab", `the console keytab ${c.keytab} holds no key for ${c.principal}; it has keys for ${[...new Set(held)].join(", ")}`);
}

/**
 * Creates host/<fqdn>@REALM in the KDC (or, with `reuse`, takes the existing one) and returns a
 * keytab with fresh random keys for it (each call rotates them). Throws KadminError.
 */
export async function createHostKeytab(config: KadminConfig, fqdn: string, options: { reuse?: boolean; signal?: AbortSignal } = {}): Promise<HostKeytab> {
  const realm = config.realm;
  if (!REALM.test(realm)) throw new KadminError("invalid", `not a Kerberos realm: ${JSON.stringify(realm)}`);
  const host = fqdn.toLowerCase(); // host principals are lowercase, as krb5_sname_to_principal makes them
  if (!FQDN.test(host)) throw new KadminError("invalid", `not a fully qualified host name: ${JSON.stringify(fqdn)}`);
  const adminServer = checkServer(config.adminServer, "admin server");
  const kdcs = (config.kdcs?.length ? config.kdcs : [hostOf(adminServer)]).map((k) => checkServer(k, "KDC"));
  const context: Context = { realm, principal: consolePrincipal(config.principal, realm), keytab: config.keytab, adminServer, kdcs };
  const target = `host/${host}@${realm}`;

  const keytab = path.resolve(config.keytab);
  checkConsoleKeytab(keytab, context);

  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-kadmin-"));
  try {
    fs.writeFileSync(path.join(dir, "krb5.conf"), krb5Conf(realm, kdcs, adminServer));
    // a small environment of its own: the console's secrets stay out of it, messages in English
    const env = {
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
      LC_ALL: "C",
      KRB5_CONFIG: path.join(dir, "krb5.conf"),
      KRB5CCNAME: `FILE:${path.join(dir, "ccache")}`,
    };
    const kadmin = async (query: string) => {
      const left = deadline - Date.now();
      if (left <= 0) throw new KadminError("timeout", `kadmin did not finish within ${timeoutMs / 1000} s`);
      const r = await runProcess(config.kadmin ?? "kadmin", ["-r", realm, "-s", adminServer, "-p", context.principal, "-k", "-t", keytab, "-q", query], {
        timeoutMs: left,
        env,
        cwd: dir,
        signal: options.signal,
        keepChars: 20_000,
      });
      if (r.stopped === "aborted") throw new KadminError("failed", "cancelled: kadmin stopped");
      if (r.stopped === "timeout")
        throw new KadminError(
          "timeout",
          `no answer from the KDC or admin server of ${realm} within ${timeoutMs / 1000} s (kadmin stopped; ${kdcs.join(", ")}, ${adminServer})`,
        );
      if (r.error !== undefined) {
        const missing = /ENOENT/.test(r.error);
        throw new KadminError(
          missing ? "not-installed" : "failed",
          missing ? "kadmin is not installed (Debian: apt-get install krb5-user)" : `kadmin did not run: ${r.error}`,
        );
      }
      return { code: r.code, output: r.output };
    };

    // 1. the principal
    const add = await kadmin(`addprinc -randkey ${target}`);
    let created: boolean;
    if (add.code === 0 && new RegExp(`Principal "${target.replace(/\./g, "\\.")}" created\\.`).test(add.output)) created = true;
    else if (add.code === 0 && /Principal or policy already exists/.test(add.output)) {
      if (!options.reuse) throw new KadminError("exists", `${target} already exists in the KDC of ${realm} (ask to reuse it to give it new keys)`);
      created = false;
    } else throw explain(context, add.output, add.code);

    // 2. new keys, into a file of our own
    // a name relative to kadmin's working folder (the temporary one): no space of TMPDIR can split the query
    const file = path.join(dir, "host.keytab");
    const ktadd = await kadmin(`ktadd -k host.keytab ${target}`);
    if (ktadd.code !== 0 || !/^Entry for principal .* added to keytab/m.test(ktadd.output) || !fs.existsSync(file)) {
      const e = explain(context, ktadd.output, ktadd.code);
      // the principal was just made but got no keytab: say so, the next call must reuse it
      if (created) e.message += ` (${target} was created; ask to reuse it next time)`;
      throw e;
    }

    // 3. the file, checked
    const bytes = fs.readFileSync(file);
    try {
      const row = requirePrincipal(summarizeKeytab(parseKeytab(bytes)), target);
      return { principal: target, keytab: bytes, kvno: row.kvno, enctypes: row.enctypes, created };
    } catch (e) {
      if (e instanceof KeytabError) throw new KadminError("failed", `kadmin wrote a keytab the console cannot use: ${e.message}`);
      throw e;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
