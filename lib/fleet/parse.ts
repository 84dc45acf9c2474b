import { isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import { fleetFile, type FleetFile } from "./schema";

// Reads a fleet file (YAML, or JSON, which YAML 1.2 reads too) and validates it. Every problem
// names its place: the line and column, and the path (hosts[3].mac).

export interface FleetProblem {
  path: string;
  line?: number;
  col?: number;
  message: string;
}

export type FleetParse = { ok: true; fleet: FleetFile } | { ok: false; problems: FleetProblem[] };

export const MAX_FLEET_BYTES = 20 * 1024 * 1024;

export function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), "");
}

export function parseFleet(text: string): FleetParse {
  if (text.length > MAX_FLEET_BYTES) return { ok: false, problems: [{ path: "", message: `The file is larger than ${MAX_FLEET_BYTES / 1024 / 1024} MB` }] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { path: "", line: pos.line, col: pos.col, message: `YAML syntax error: ${e.message.split("\n")[0]}` };
      }),
    };
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (typeof data !== "object" || Array.isArray(data)) {
    return { ok: false, problems: [{ path: "", line: 1, col: 1, message: "The file must be a mapping with networks, cells, releases and hosts" }] };
  }
  const parsed = fleetFile.safeParse(data);
  if (parsed.success) return { ok: true, fleet: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
      let node: unknown = doc.getIn(path, true);
      if (issue.code === "unrecognized_keys") {
        // point at the key itself, not its value
        const parent = doc.getIn(issue.path, true);
        const pair = isMap(parent) ? parent.items.find((it) => isScalar(it.key) && it.key.value === issue.keys[0]) : undefined;
        if (pair && isNode(pair.key)) node = pair.key;
      }
      for (let i = path.length; !isNode(node) && i > 0; i--) node = doc.getIn(path.slice(0, i - 1), true);
      const range = isNode(node) ? node.range : undefined;
      const pos = range ? lineCounter.linePos(range[0]) : undefined;
      const message = issue.code === "unrecognized_keys" ? `unknown key "${issue.keys.join('", "')}"` : issue.message;
      return { path: formatPath(path), line: pos?.line, col: pos?.col, message };
    }),
  };
}

export function formatProblem(p: FleetProblem): string {
  const where = p.line ? `line ${p.line}, column ${p.col}` : "";
  return [where, p.path].filter(Boolean).join(", ") + (where || p.path ? ": " : "") + p.message;
}
