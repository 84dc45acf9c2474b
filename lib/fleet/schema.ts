import { z } from "zod";
import { bootServerConflicts, networkInput } from "@/lib/validation/network";
import { cellServer, kdcList, kerberosProblems, realm } from "@/lib/validation/cell";
import { IDENTITY_ENROLMENTS, IDENTITY_MODES } from "@/lib/boot/identity-mode";
import { afsPath, absolutePath } from "@/lib/validation/paths";
import { dnsName, slug } from "@/lib/validation/common";
import { versionInput } from "@/lib/validation/release";
import { hostInput } from "@/lib/validation/host";
import { NO_NETWORK_BMC } from "@/lib/validation/bmc";

// The fleet file (DESIGN.md, "Fleet file"): the declarative form of the inventory, kept in git by
// admins. Keys are exactly the documented ones; unknown keys are errors (a typo must not be
// silently ignored). Field rules are the same zod schemas the forms and the API use.

const strict = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape);

/**
 * A BMC password never sits in the fleet file (it is kept in git): `{ env: NAME }` reads it from the
 * environment of `afsboot apply`, `stored` keeps the one the console has (what `export fleet`
 * writes), absent means none.
 */
const fleetBmcPassword = z
  .union([
    z.literal("stored"),
    strict({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "env must name an environment variable (letters, digits, '_')" }) }),
    z.string(),
    z.null(),
  ])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === null) return null;
    if (v === "stored") return undefined;
    if (typeof v === "string") {
      ctx.addIssue({
        code: "custom",
        message: "A BMC password must not be written in the fleet file: give the name of an environment variable (password: { env: NAME }), or stored",
      });
      return z.NEVER;
    }
    const value = process.env[v.env];
    if (!value) {
      ctx.addIssue({ code: "custom", message: `password: { env: ${v.env} }: the environment variable ${v.env} is not set (or empty)` });
      return z.NEVER;
    }
    return value;
  });

const fleetBmc = strict({
  driver: z.string().nullable().optional(),
  address: z.string().nullable().optional(),
  user: z.string().nullable().optional(),
  password: fleetBmcPassword,
  insecure: z.boolean({ error: "bmc.insecure must be true or false" }).nullable().optional(),
  command: z.string().nullable().optional(),
});

export const fleetNetwork = strict({
  name: z.string(),
  subnet: z.string(),
  gateway: z.string(),
  dns: z.array(z.string()),
  domain: z.string().optional(),
  bootServer: z.string().optional(), // the first boot server's address; optional when bootServers lists them
  bootUrl: z.string().optional(),
  bootServers: z.array(strict({ name: z.string(), address: z.string(), url: z.string().optional(), deliverTo: z.string().optional() })).optional(),
  dhcpFailover: z.string().nullable().optional(), // hot-standby | load-balancing, with two or more boot servers
  reportUrl: z.string().optional(), // the first of reportUrls; optional when reportUrls lists them
  reportUrls: z.array(z.string()).optional(), // several, in order: hosts try each in turn
  discoveryRange: z.string().nullable().optional(), // null or absent: none
  dhcpEventHook: z.string().nullable().optional(), // null or absent: none
  secureBoot: z.boolean({ error: "secureBoot must be true or false" }).optional(), // hosts here Secure Boot by default; absent: false
  bmc: fleetBmc.omit({ address: true }).optional(), // BMC defaults of its hosts; absent: none
  // how its hosts prove who they are (#18); absent: { mode: none, enrolment: approve }
  identity: strict({
    mode: z.enum(IDENTITY_MODES, { error: "identity.mode must be none, tpm or port" }),
    enrolment: z.enum(IDENTITY_ENROLMENTS, { error: "identity.enrolment must be approve or tofu" }).optional(), // absent: approve
  }).optional(),
  notes: z.string().optional(),
}).transform((v, ctx) => {
  // declarative: a network the file lists without bmc has no BMC defaults, without identity the defaults
  const { identity, ...rest } = v;
  const r = networkInput.safeParse({ ...rest, bmc: v.bmc ?? NO_NETWORK_BMC, identity: identity?.mode, identityEnrolment: identity?.enrolment });
  if (!r.success) {
    r.error.issues.forEach((i) => ctx.addIssue({ code: "custom", path: i.path, message: i.message }));
    return z.NEVER;
  }
  return r.data;
});

export const fleetCell = strict({
  name: dnsName("Cell name"),
  client: z.enum(["kafs", "openafs"], { error: "client must be kafs or openafs" }),
  servers: z.array(strict({ name: z.string(), ip: z.string() }).pipe(cellServer)).min(1, "at least one database server is required"),
  bootRoot: afsPath("bootRoot"),
  cache: strict({
    memcache: z.boolean({ error: "cache.memcache must be true or false" }),
    blocks: z.number({ error: "cache.blocks must be a number" }).int().min(1024).max(67108864),
  }).optional(),
  // its Kerberos realm and KDCs (#18): hosts get an AFS token before mounting their tree; absent: none
  kerberos: strict({
    realm: realm.optional(),
    kdcs: kdcList.optional(),
  }).optional(),
  notes: z.string().max(2000).optional(),
}).superRefine((c, ctx) => {
  if (!c.kerberos) return;
  const problems = kerberosProblems({ realm: c.kerberos.realm ?? null, kdcs: c.kerberos.kdcs ?? [] }, ["kerberos"]);
  for (const p of problems) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
});

const fleetVersion = strict({
  version: z.union([z.string(), z.number()]).transform(String),
  status: z.enum(["draft", "active", "retired"]).optional(),
  kernel: z.string(),
  baseInitrd: z.string(),
  modules: z.array(z.string()).optional(),
  readonly: z.array(z.string()),
  writable: z.array(z.string()).optional(),
  tmpfsSize: z.string().optional(),
  signedKernel: z.boolean({ error: "signedKernel must be true or false" }).optional(), // signed by a key shim trusts; absent: false
  signedModules: z.boolean({ error: "signedModules must be true or false" }).optional(), // every module it loads is signed; absent: false
  notes: z.string().optional(),
}).transform((v, ctx) => {
  const r = versionInput.safeParse({ ...v, modules: v.modules ?? [], writable: v.writable ?? [] });
  if (!r.success) {
    r.error.issues.forEach((i) => ctx.addIssue({ code: "custom", path: i.path, message: i.message }));
    return z.NEVER;
  }
  return { ...r.data, status: v.status ?? "active" };
});

export const fleetRelease = strict({
  name: slug("Release name"),
  tree: afsPath("tree"),
  imagesDir: absolutePath("imagesDir").optional(),
  notes: z.string().max(2000).optional(),
  versions: z.array(fleetVersion).optional(),
});

export const fleetHost = strict({
  name: z.string(),
  mac: z.string(),
  ip: z.string(),
  cell: z.string(),
  release: z.string(),
  tags: z.array(z.string()).optional(),
  cacheBlocks: z.number().int().optional(),
  tmpfsSize: z.string().optional(),
  kernelArgs: z.string().optional(),
  nicModule: z.string().optional(),
  secureBoot: z.boolean({ error: "secureBoot must be true, false or null (the network's default)" }).nullable().optional(), // null or absent: the network's
  bmc: fleetBmc.optional(), // its BMC (power control); absent: none of its own
  identity: z.string().nullable().optional(), // none | tpm | port; null or absent: the network's
  notes: z.string().optional(),
}).transform((v, ctx) => {
  const r = hostInput.safeParse(v);
  if (!r.success) {
    r.error.issues.forEach((i) => ctx.addIssue({ code: "custom", path: i.path, message: i.message }));
    return z.NEVER;
  }
  return r.data;
});

function uniqueBy<T>(items: T[], key: (t: T) => string, what: string, ctx: z.RefinementCtx, path: (string | number)[]) {
  const seen = new Map<string, number>();
  items.forEach((it, i) => {
    const k = key(it);
    if (seen.has(k)) ctx.addIssue({ code: "custom", path: [...path, i], message: `${what} ${k} is listed twice (also item ${seen.get(k)! + 1})` });
    else seen.set(k, i);
  });
}

export const fleetFile = strict({
  networks: z.array(fleetNetwork).optional(),
  cells: z.array(fleetCell).optional(),
  releases: z.array(fleetRelease).optional(),
  hosts: z.array(fleetHost).optional(),
}).superRefine((f, ctx) => {
  uniqueBy(f.networks ?? [], (n) => n.name, "network", ctx, ["networks"]);
  for (const message of bootServerConflicts(f.networks ?? [])) ctx.addIssue({ code: "custom", path: ["networks"], message });
  uniqueBy(f.cells ?? [], (c) => c.name, "cell", ctx, ["cells"]);
  uniqueBy(f.releases ?? [], (r) => r.name, "release", ctx, ["releases"]);
  (f.releases ?? []).forEach((r, i) => uniqueBy(r.versions ?? [], (v) => v.version, `version of ${r.name}:`, ctx, ["releases", i, "versions"]));
});

export type FleetFile = z.output<typeof fleetFile>;
export type FleetNetwork = z.output<typeof fleetNetwork>;
export type FleetCell = z.output<typeof fleetCell>;
export type FleetRelease = z.output<typeof fleetRelease>;
export type FleetVersion = z.output<typeof fleetVersion>;
export type FleetHost = z.output<typeof fleetHost>;
