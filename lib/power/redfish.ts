import { rootCertificates } from "node:tls";
import { redact } from "./redact";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { type Answer, type BmcConnection, RedfishError, request } from "./redfish-http";
import type { BmcTarget, PowerAction, PowerDriver, PowerOptions, PowerResult, PowerState } from "./types";

// DMTF Redfish: PowerState of the ComputerSystem, its ComputerSystem.Reset action, and a one-time
// boot override to PXE. Each ResetType is taken from what the BMC says it allows; a 202 is followed
// through its task monitor; everything within the call's timeout.

/** between two looks at a task monitor or at PowerState */
const POLL_MS = 500;

/** ResetTypes by action, the first the BMC allows wins (cycle falls back to ForceOff, then On) */
const RESET_TYPES: Record<"on" | "off" | "reset", readonly [string, ...string[]]> = { on: ["On", "ForceOn"], off: ["ForceOff"], reset: ["ForceRestart"] };

const TASK_RUNNING = new Set(["New", "Starting", "Running", "Suspended", "Interrupted", "Pending", "Stopping", "Service", "Cancelling"]);

const ResetActionSchema = z.object({
  target: z.string(),
  "ResetType@Redfish.AllowableValues": z.array(z.string()).optional(),
  "@Redfish.ActionInfo": z.string().optional(),
});
const SystemSchema = z.object({
  "@odata.etag": z.string().optional(),
  PowerState: z.string().nullish(),
  Boot: z
    .object({
      "BootSourceOverrideTarget@Redfish.AllowableValues": z.array(z.string()).optional(),
      "BootSourceOverrideEnabled@Redfish.AllowableValues": z.array(z.string()).optional(),
    })
    .optional(),
  Actions: z.object({ "#ComputerSystem.Reset": ResetActionSchema.optional() }).optional(),
});
type ComputerSystem = z.infer<typeof SystemSchema> & { etag?: string };
const CollectionSchema = z.object({ Members: z.array(z.object({ "@odata.id": z.string() })) });
const ActionInfoSchema = z.object({ Parameters: z.array(z.object({ Name: z.string(), AllowableValues: z.array(z.string()).optional() })).optional() });
const TaskSchema = z.object({
  TaskState: z.string().optional(),
  TaskStatus: z.string().optional(),
  TaskMonitor: z.string().optional(),
  Messages: z.array(z.object({ Message: z.string().optional() })).optional(),
});
const ErrorBodySchema = z.object({
  error: z.object({ message: z.string().optional(), "@Message.ExtendedInfo": z.array(z.object({ Message: z.string().optional() })).optional() }),
});

export function redfishDriver(options: { ca?: string | Buffer } = {}): PowerDriver {
  // an extra CA adds to the system's roots (node's `ca` would otherwise replace them)
  const ca = options.ca ? [...rootCertificates, options.ca] : undefined;
  return {
    supports: () => true,
    run: (target, action, runOptions) => runRedfish(target, action, runOptions, ca),
  };
}

async function runRedfish(target: BmcTarget, action: PowerAction, options: PowerOptions, ca: (string | Buffer)[] | undefined): Promise<PowerResult> {
  const started = Date.now();
  const result = (ok: boolean, message: string, state?: PowerState): PowerResult => ({
    ok,
    message: redactTarget(message, target),
    durationMs: Date.now() - started,
    ...(state ? { state } : {}),
  });
  const address = parseAddress(target);
  if (typeof address === "string") return result(false, address);

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new RedfishError("timeout")), options.timeoutMs);
  const bmc = new Bmc(
    {
      origin: address.origin,
      insecure: target.insecure,
      ca,
      authorization: target.user === null ? undefined : `Basic ${Buffer.from(`${target.user}:${target.password ?? ""}`).toString("base64")}`,
      signal: options.signal ? AbortSignal.any([deadline.signal, options.signal]) : deadline.signal,
    },
    address.systemPath,
  );
  try {
    const outcome = await ACTIONS[action](bmc);
    return result(true, outcome.message, outcome.state);
  } catch (e) {
    if (deadline.signal.aborted) return result(false, bmc.timeoutMessage(options.timeoutMs));
    if (options.signal?.aborted) return result(false, `${address.origin}: cancelled before the action finished`);
    if (e instanceof RedfishError) return result(false, e.message);
    return result(false, `${address.origin}: unexpected failure: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    clearTimeout(timer);
  }
}

type Outcome = { message: string; state?: PowerState };

const ACTIONS: Record<PowerAction, (bmc: Bmc) => Promise<Outcome>> = {
  status: async (bmc) => {
    const system = await bmc.system();
    return { state: powerState(system.PowerState), message: `PowerState ${system.PowerState ?? "(not given)"}` };
  },
  on: (bmc) => resetWithFirstAllowed(bmc, RESET_TYPES.on),
  off: (bmc) => resetWithFirstAllowed(bmc, RESET_TYPES.off),
  reset: (bmc) => resetWithFirstAllowed(bmc, RESET_TYPES.reset),
  cycle: powerCycle,
  pxe: pxeOnce,
};

export function powerState(redfish: string | null | undefined): PowerState {
  // PoweringOn/PoweringOff are on the way: not yet what they say
  if (redfish === "On" || redfish === "Paused") return "on";
  if (redfish === "Off") return "off";
  return "unknown";
}

async function resetWithFirstAllowed(bmc: Bmc, wanted: readonly [string, ...string[]]): Promise<Outcome> {
  const system = await bmc.system();
  const type = chooseResetType(await bmc.allowedResetTypes(system), wanted);
  await bmc.reset(system, type);
  return { message: `ResetType ${type} done` };
}

/** PowerCycle when the BMC lists it; else ForceOff, wait for PowerState Off, On. An Off system is only turned On. */
async function powerCycle(bmc: Bmc): Promise<Outcome> {
  const system = await bmc.system();
  const allowed = await bmc.allowedResetTypes(system);
  if (allowed?.includes("PowerCycle")) {
    await bmc.reset(system, "PowerCycle");
    return { message: "ResetType PowerCycle done" };
  }
  const on = chooseResetType(allowed, RESET_TYPES.on);
  if (system.PowerState === "Off") {
    await bmc.reset(system, on);
    return { message: `the system was off: ResetType ${on} done` };
  }
  const off = chooseResetType(allowed, RESET_TYPES.off);
  await bmc.reset(system, off);
  await bmc.waitForPowerOff(off);
  await bmc.reset(system, on);
  return { message: `ResetType ${off}, PowerState Off, then ResetType ${on} done (the BMC does not offer PowerCycle)` };
}

/** BootSourceOverrideTarget Pxe, once, If-Match the system's ETag when it gave one. */
async function pxeOnce(bmc: Bmc): Promise<Outcome> {
  for (let attempt = 1; ; attempt++) {
    const system = await bmc.system();
    if (!system.Boot) throw new RedfishError(`${bmc.c.origin}: the system has no Boot property: it cannot be told to boot from the network`);
    for (const [property, value] of [
      ["BootSourceOverrideTarget", "Pxe"],
      ["BootSourceOverrideEnabled", "Once"],
    ] as const) {
      const allowed = system.Boot[`${property}@Redfish.AllowableValues`];
      if (allowed && !allowed.includes(value))
        throw new RedfishError(`${bmc.c.origin}: the BMC does not offer ${property} ${value} (it offers ${allowed.join(", ")})`);
    }
    const answer = await request(
      bmc.c,
      "PATCH",
      bmc.systemPath,
      { Boot: { BootSourceOverrideTarget: "Pxe", BootSourceOverrideEnabled: "Once" } },
      system.etag ? { "If-Match": system.etag } : {},
    );
    // 412: the system changed between our GET and PATCH; read it again, once
    if (answer.status === 412 && attempt === 1) continue;
    await bmc.settle(answer, "the boot override to Pxe");
    return { message: "the next boot is from the network (BootSourceOverrideTarget Pxe, Once)" };
  }
}

function chooseResetType(allowed: string[] | null, wanted: readonly [string, ...string[]]): string {
  if (!allowed) return wanted[0];
  const type = wanted.find((t) => allowed.includes(t));
  if (!type) throw new RedfishError(`the BMC does not offer ResetType ${wanted.join(" or ")} (it offers ${allowed.join(", ") || "none"})`);
  return type;
}

/** One call's conversation with one BMC. */
class Bmc {
  /** what the call waits for when it is not a plain answer: says what did not happen in time */
  private waiting: { what: string; detail: string } | null = null;
  private discovered: string | null;

  constructor(
    readonly c: BmcConnection,
    systemPath: string | null,
  ) {
    this.discovered = systemPath;
  }

  get systemPath(): string {
    if (!this.discovered) throw new Error("the system is read before it is found");
    return this.discovered;
  }

  timeoutMessage(timeoutMs: number): string {
    const within = `within ${(timeoutMs / 1000).toLocaleString("en", { maximumFractionDigits: 1 })} s`;
    if (!this.waiting) return `${this.c.origin}: the BMC did not answer ${within} (timeout)`;
    return `${this.c.origin}: ${this.waiting.what} ${within} (timeout; ${this.waiting.detail})`;
  }

  async system(): Promise<ComputerSystem> {
    if (!this.discovered) this.discovered = await this.findSystem();
    const answer = await this.get(this.systemPath, "reading the system");
    const system = parse(SystemSchema, answer, this.c.origin, "ComputerSystem");
    const etag = answer.headers.etag ?? system["@odata.etag"];
    return { ...system, ...(etag ? { etag } : {}) };
  }

  private async findSystem(): Promise<string> {
    const answer = await this.get("/redfish/v1/Systems", "listing the systems");
    const members = parse(CollectionSchema, answer, this.c.origin, "Systems collection").Members.map((m) => m["@odata.id"]);
    const [first, ...others] = members;
    if (first !== undefined && others.length === 0) return first;
    if (first === undefined) throw new RedfishError(`${this.c.origin}: the BMC lists no system under /redfish/v1/Systems`);
    const shown = members.slice(0, 8).join(", ") + (members.length > 8 ? ", …" : "");
    throw new RedfishError(
      `${this.c.origin}: the BMC manages ${members.length} systems (${shown}): put the system's whole URL in the address, e.g. ${this.c.origin}${first}`,
    );
  }

  /** the ResetTypes the BMC lists (inline or in its ActionInfo), or null when it does not say */
  async allowedResetTypes(system: ComputerSystem): Promise<string[] | null> {
    const action = resetAction(system, this.c.origin);
    const inline = action["ResetType@Redfish.AllowableValues"];
    if (inline) return inline;
    const infoPath = action["@Redfish.ActionInfo"];
    if (!infoPath) return null;
    const answer = await request(this.c, "GET", infoPath);
    if (answer.status !== 200) return null;
    const info = ActionInfoSchema.safeParse(jsonOf(answer));
    return (info.success && info.data.Parameters?.find((p) => p.Name === "ResetType")?.AllowableValues) || null;
  }

  async reset(system: ComputerSystem, type: string): Promise<void> {
    const answer = await request(this.c, "POST", resetAction(system, this.c.origin).target, { ResetType: type });
    await this.settle(answer, `ResetType ${type}`);
  }

  /** 2xx: done; 202: follow the task to its end; else the BMC's refusal in words */
  async settle(answer: Answer, what: string): Promise<void> {
    if (answer.status === 202) return this.followTask(answer, what);
    if (answer.status >= 300) throw failure(this.c.origin, answer, what);
  }

  private async followTask(accepted: Answer, what: string): Promise<void> {
    const task = TaskSchema.safeParse(jsonOf(accepted));
    const monitor = accepted.headers.location ?? (task.success ? task.data.TaskMonitor : undefined);
    if (!monitor) return; // accepted, nothing to follow
    let state = (task.success && task.data.TaskState) || "New";
    for (;;) {
      this.waiting = { what: `the BMC's task for ${what} did not complete`, detail: `TaskState ${state}` };
      await sleep(POLL_MS, undefined, { signal: this.c.signal });
      const answer = await request(this.c, "GET", monitor);
      if (answer.status >= 300) throw failure(this.c.origin, answer, `the BMC's task for ${what}`);
      const now = TaskSchema.safeParse(jsonOf(answer));
      state = (now.success && now.data.TaskState) || (answer.status === 202 ? state : "Completed");
      if (answer.status === 202 || TASK_RUNNING.has(state)) continue;
      this.waiting = null;
      if (state === "Completed" && !(now.success && now.data.TaskStatus === "Critical")) return;
      const said = (now.success && now.data.Messages?.map((m) => m.Message).filter(Boolean)) || [];
      throw new RedfishError(`${this.c.origin}: the BMC's task for ${what} ended ${state}${said.length ? `: ${said.join("; ")}` : ""}`);
    }
  }

  async waitForPowerOff(after: string): Promise<void> {
    for (;;) {
      const system = await this.system();
      if (system.PowerState === "Off") break;
      this.waiting = { what: `the system did not reach PowerState Off after ${after}`, detail: `PowerState ${system.PowerState ?? "not given"}` };
      await sleep(POLL_MS, undefined, { signal: this.c.signal });
    }
    this.waiting = null;
  }

  private async get(path: string, what: string): Promise<Answer> {
    const answer = await request(this.c, "GET", path);
    if (answer.status !== 200) throw failure(this.c.origin, answer, what);
    return answer;
  }
}

function resetAction(system: ComputerSystem, origin: string): z.infer<typeof ResetActionSchema> {
  const action = system.Actions?.["#ComputerSystem.Reset"];
  if (!action) throw new RedfishError(`${origin}: the system offers no ComputerSystem.Reset action`);
  return action;
}

function parseAddress(target: BmcTarget): { origin: string; systemPath: string | null } | string {
  const usage = "give https://host[:port], or the system's whole URL (https://host/redfish/v1/Systems/1)";
  let url: URL;
  try {
    url = new URL(target.address.trim());
  } catch {
    return `the Redfish address "${target.address}" is not a URL: ${usage}`;
  }
  if (url.username || url.password) return "the Redfish address holds a user or password: put them in the BMC's user and password fields instead";
  if (url.protocol === "http:" && !target.insecure) {
    return `${url.origin}: plain http:// is refused (the password would cross the network in the clear): use https://, or mark this BMC insecure`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `the Redfish address "${target.address}" is not http(s): ${usage}`;
  const path = url.pathname.replace(/\/+$/, "");
  return { origin: url.origin, systemPath: ["", "/redfish", "/redfish/v1", "/redfish/v1/Systems"].includes(path) ? null : path };
}

function jsonOf(answer: Answer): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}

function parse<T>(schema: z.ZodType<T>, answer: Answer, origin: string, kind: string): T {
  const parsed = schema.safeParse(jsonOf(answer));
  if (!parsed.success) throw new RedfishError(`${origin}: the BMC's answer is not a Redfish ${kind} (${z.prettifyError(parsed.error).split("\n")[0]})`);
  return parsed.data;
}

/** The BMC's refusal: 401/403 in words, else the status and the Redfish error's own messages. */
function failure(origin: string, answer: Answer, what: string): RedfishError {
  const body = ErrorBodySchema.safeParse(jsonOf(answer));
  const extended = body.success ? (body.data.error["@Message.ExtendedInfo"] ?? []).map((m) => m.Message).filter(Boolean) : [];
  const said = extended.length ? extended.join("; ") : body.success ? body.data.error.message : undefined;
  if (answer.status === 401 || answer.status === 403) {
    return new RedfishError(`${origin}: the BMC refused the user/password (HTTP ${answer.status}${said ? `: ${said}` : ""})`);
  }
  return new RedfishError(`${origin}: ${what}: HTTP ${answer.status}${said ? `: ${said}` : ""}`);
}

/** The password never leaves in a message, even when a BMC echoes it back. */
function redactTarget(message: string, target: BmcTarget): string {
  const basic = target.user !== null ? Buffer.from(`${target.user}:${target.password ?? ""}`).toString("base64") : null;
  return redact(message, target.password, basic).slice(0, 2000);
}
