import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";

// A Redfish BMC for the driver's tests: HTTPS on 127.0.0.1, DMTF's recorded mockups
// (fixtures/redfish) as its resources, and the little state a power driver changes: PowerState after
// a Reset, Boot after a PATCH, the ETag with both. Options make it misbehave the ways real BMCs do.

const FIXTURES = path.join(import.meta.dirname, "..", "fixtures", "redfish");
type Json = Record<string, unknown>;
const fixture = (name: string): Json => JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as Json;

export interface FakeBmcOptions {
  key: string;
  cert: string;
  user: string;
  password: string;
  /** rackmount1: Reset's allowable values inline; telemetry: in an ActionInfo; bladed: four systems */
  mockup?: "rackmount1" | "telemetry" | "bladed";
  powerState?: "On" | "Off";
  /** PowerCycle added to the allowable ResetTypes (no DMTF mockup lists it) */
  powerCycle?: boolean;
  /** how a Reset is answered: at once, through a task that completes, through one that never does */
  resetAnswer?: "204" | "task-completes" | "task-never";
  /** GETs of the system that still say PoweringOff after a ForceOff */
  poweringOffGets?: number;
  /** refuse every Reset with a Redfish error body */
  refuseReset?: boolean;
  /** Pxe missing from the allowable boot targets */
  noPxe?: boolean;
  /** its 401 answer repeats the password it was given (a careless BMC) */
  echoPassword?: boolean;
  /** accept connections and requests, never answer */
  hang?: boolean;
  /** the system changes (a new ETag) right after its first GET, as if someone else had written it */
  changesAfterFirstGet?: boolean;
  /** answer the system with 2 MiB */
  hugeBody?: boolean;
}

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export class FakeBmc {
  readonly requests: Recorded[] = [];
  powerState: string;
  private version = 1;
  private poweringOffLeft = 0;
  private monitorGets = 0;
  private readonly system: Json;
  private readonly systems: Json;
  private readonly actionInfo: Json | null;

  private constructor(
    private readonly o: FakeBmcOptions,
    private readonly server: https.Server,
  ) {
    const mockup = o.mockup ?? "rackmount1";
    this.system = fixture(mockup === "telemetry" ? "telemetry-system" : "rackmount1-system");
    this.systems = fixture(mockup === "telemetry" ? "telemetry-systems" : mockup === "bladed" ? "bladed-systems" : "rackmount1-systems");
    this.actionInfo = mockup === "telemetry" ? fixture("telemetry-reset-action-info") : null;
    this.powerState = o.powerState ?? "On";
  }

  static async start(o: FakeBmcOptions): Promise<FakeBmc> {
    const server = https.createServer({ key: o.key, cert: o.cert });
    const bmc = new FakeBmc(o, server);
    server.on("request", (req: IncomingMessage, res: ServerResponse) => void bmc.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return bmc;
  }

  get origin(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  get systemPath(): string {
    return this.system["@odata.id"] as string;
  }
  private get resetAction(): Json & { target: string } {
    return (this.system.Actions as { "#ComputerSystem.Reset": Json & { target: string } })["#ComputerSystem.Reset"];
  }
  get etag(): string {
    return `W/"${this.version}"`;
  }
  /** the ResetTypes POSTed, in order */
  get resets(): string[] {
    return this.requests.filter((r) => r.method === "POST").map((r) => (JSON.parse(r.body) as { ResetType: string }).ResetType);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const r: Recorded = { method: req.method ?? "", path: (req.url ?? "").replace(/\/+$/, ""), headers: req.headers, body: Buffer.concat(chunks).toString() };
    this.requests.push(r);
    if (this.o.hang) return;
    const expected = `Basic ${Buffer.from(`${this.o.user}:${this.o.password}`).toString("base64")}`;
    if (req.headers.authorization !== expected) {
      const given = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString();
      const said = this.o.echoPassword ? `Login failed for ${given}` : "Login failed";
      return send(res, 401, redfishError("Base.1.8.InsufficientPrivilege", said), { "WWW-Authenticate": 'Basic realm="BMC"' });
    }
    this.route(r, res);
  }

  private route(r: Recorded, res: ServerResponse): void {
    if (r.method === "GET" && r.path === "/redfish/v1") return send(res, 200, fixture("rackmount1-service-root"));
    if (r.method === "GET" && r.path === "/redfish/v1/Systems") return send(res, 200, this.systems);
    if (r.method === "GET" && r.path === this.systemPath) return this.getSystem(res);
    if (r.method === "GET" && this.actionInfo && r.path === this.actionInfo["@odata.id"]) return send(res, 200, this.withPowerCycle(this.actionInfo));
    if (r.method === "POST" && r.path === this.resetAction.target) return this.reset(r, res);
    if (r.method === "GET" && r.path === "/redfish/v1/TaskService/TaskMonitors/1") return this.taskMonitor(res);
    if (r.method === "PATCH" && r.path === this.systemPath) return this.patchBoot(r, res);
    send(res, 404, redfishError("Base.1.8.ResourceMissingAtURI", `The resource at the URI ${r.path} was not found.`));
  }

  private getSystem(res: ServerResponse): void {
    if (this.o.hugeBody) return send(res, 200, { ...this.system, Padding: "x".repeat(2 * 1024 * 1024) });
    let state = this.powerState;
    if (state === "Off" && this.poweringOffLeft > 0) {
      this.poweringOffLeft--;
      state = "PoweringOff";
    }
    const system: Json = { ...this.system, PowerState: state };
    if (this.o.noPxe) {
      const boot = system.Boot as Json;
      system.Boot = { ...boot, "BootSourceOverrideTarget@Redfish.AllowableValues": ["None", "Hdd", "Cd"] };
    }
    system.Actions = { ...(system.Actions as Json), "#ComputerSystem.Reset": this.withPowerCycle(this.resetAction) };
    send(res, 200, system, { ETag: this.etag });
    if (this.o.changesAfterFirstGet && this.version === 1) this.version++;
  }

  private withPowerCycle(resource: Json): Json {
    if (!this.o.powerCycle) return resource;
    const text = JSON.stringify(resource).replace('"ForceOff",', '"ForceOff","PowerCycle",');
    return JSON.parse(text) as Json;
  }

  private reset(r: Recorded, res: ServerResponse): void {
    const type = (JSON.parse(r.body) as { ResetType?: string }).ResetType ?? "";
    if (this.o.refuseReset || !this.allowedResetTypes().includes(type)) {
      const message = this.o.refuseReset
        ? "The request failed because the host is in a firmware update."
        : `The value '${type}' for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.`;
      return send(res, 400, redfishError("Base.1.8.ActionParameterValueNotInList", message));
    }
    this.version++;
    if (type === "ForceOff" || type === "GracefulShutdown") {
      this.powerState = "Off";
      this.poweringOffLeft = this.o.poweringOffGets ?? 0;
    } else this.powerState = "On";
    if ((this.o.resetAnswer ?? "204") === "204") return send(res, 204);
    send(res, 202, this.runningTask(), { Location: "/redfish/v1/TaskService/TaskMonitors/1" });
  }

  private allowedResetTypes(): string[] {
    const info = this.actionInfo?.Parameters as { AllowableValues: string[] }[] | undefined;
    const listed = info?.[0]?.AllowableValues ?? (this.resetAction["ResetType@Redfish.AllowableValues"] as string[]);
    return this.o.powerCycle ? [...listed, "PowerCycle"] : listed;
  }

  private taskMonitor(res: ServerResponse): void {
    this.monitorGets++;
    if (this.o.resetAnswer === "task-completes" && this.monitorGets >= 2) return send(res, 200, fixture("rackmount1-task-completed"));
    send(res, 202, this.runningTask(), { Location: "/redfish/v1/TaskService/TaskMonitors/1" });
  }

  private runningTask(): Json {
    return { ...fixture("pmem-task-monitor-running"), TaskState: "Running" };
  }

  private patchBoot(r: Recorded, res: ServerResponse): void {
    const ifMatch = r.headers["if-match"];
    if (ifMatch !== undefined && ifMatch !== this.etag) {
      return send(res, 412, redfishError("Base.1.8.PreconditionFailed", "The ETag supplied did not match the ETag required to change this resource."));
    }
    const patch = JSON.parse(r.body) as { Boot?: Json };
    this.system.Boot = { ...(this.system.Boot as Json), ...patch.Boot };
    this.version++;
    send(res, 204);
  }
}

function redfishError(messageId: string, message: string): Json {
  return {
    error: {
      code: messageId,
      message: "A general error has occurred. See ExtendedInfo for more information.",
      "@Message.ExtendedInfo": [{ "@odata.type": "#Message.v1_1_1.Message", MessageId: messageId, Message: message, Severity: "Critical" }],
    },
  };
}

function send(res: ServerResponse, status: number, body?: Json, headers: Record<string, string> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { "Content-Type": "application/json" } : {}), ...headers });
  res.end(text);
}
