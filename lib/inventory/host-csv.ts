import { hostInput } from "@/lib/validation/host";
import { rowProblems, type HostBatch, type LineProblem } from "./bulk-result";
import { parseCsv } from "./csv";

// Bulk enrollment files: header `hostname,mac,ip,cell,release[,tags][,secureboot][,bmc_*…][,identity]`
// (tags separated by spaces or ';' inside the field; secureboot on, off or empty for the network's
// default; the BMC columns bmc_driver, bmc_address, bmc_user, bmc_password, bmc_insecure,
// bmc_command, empty for the network's; identity none, tpm, port or empty for the network's).
// Every row is validated; problems carry the file's line number. A BMC password in the file is
// sealed on enrolment like one typed in the form.

export const CSV_HEADER = ["hostname", "mac", "ip", "cell", "release"] as const;
/** Columns a file may add after the required ones, in this order. */
const OPTIONAL_COLUMNS = ["tags", "secureboot", "bmc_driver", "bmc_address", "bmc_user", "bmc_password", "bmc_insecure", "bmc_command", "identity"] as const;
const BMC_COLUMNS = ["bmc_driver", "bmc_address", "bmc_user", "bmc_password", "bmc_insecure", "bmc_command"] as const;
export const MAX_CSV_BYTES = 5 * 1024 * 1024; // 10,000 rows are about 0.6 MB
export const MAX_CSV_ROWS = 50_000;

export function parseHostCsv(text: string): HostBatch {
  if (text.length > MAX_CSV_BYTES) {
    return { rows: [], problems: [{ line: 0, field: "file", message: `The file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB: split it` }], total: 0 };
  }
  const parsed = parseCsv(text);
  if (!parsed.ok) return { rows: [], problems: [{ line: parsed.line, field: "file", message: parsed.reason }], total: 0 };
  const [head, ...records] = parsed.records;
  if (!head) return { rows: [], problems: [{ line: 1, field: "file", message: "The file is empty" }], total: 0 };
  const header = head.fields.map((f) => f.trim().toLowerCase());
  const expected = [...CSV_HEADER].join(",");
  // the optional columns, each at most once, in their order
  const extra = header.slice(CSV_HEADER.length).map((h) => (OPTIONAL_COLUMNS as readonly string[]).indexOf(h));
  const okHeader = CSV_HEADER.every((h, i) => header[i] === h) && extra.every((o, i) => o >= 0 && (i === 0 || o > extra[i - 1]!));
  if (!okHeader) {
    return {
      rows: [],
      problems: [
        {
          line: head.line,
          field: "header",
          message: `The first line must be "${expected}", optionally followed by ${OPTIONAL_COLUMNS.map((c) => `",${c}"`).join(", ")}, in this order (found "${head.fields.join(",").slice(0, 120)}")`,
        },
      ],
      total: 0,
    };
  }
  if (records.length > MAX_CSV_ROWS) {
    return {
      rows: [],
      problems: [{ line: 0, field: "file", message: `At most ${MAX_CSV_ROWS} rows per file (found ${records.length})` }],
      total: records.length,
    };
  }
  const rows: HostBatch["rows"] = [];
  const problems: LineProblem[] = [];
  for (const r of records) {
    if (r.fields.length !== header.length) {
      problems.push({ line: r.line, field: "row", message: `Expected ${header.length} fields, found ${r.fields.length}` });
      continue;
    }
    const [name, mac, ip, cell, release] = r.fields;
    const raw = (c: (typeof OPTIONAL_COLUMNS)[number]) => (header.includes(c) ? r.fields[header.indexOf(c)]! : "");
    const column = (c: (typeof OPTIONAL_COLUMNS)[number]) => raw(c).trim().toLowerCase();
    // BMC columns keep their case (addresses, users, passwords); none given: no BMC of its own
    const bmc = BMC_COLUMNS.some((c) => raw(c).trim() !== "")
      ? {
          driver: column("bmc_driver"),
          address: raw("bmc_address").trim(),
          user: raw("bmc_user").trim(),
          password: raw("bmc_password"),
          insecure: column("bmc_insecure"),
          command: raw("bmc_command").trim(),
        }
      : undefined;
    const result = hostInput.safeParse({
      name,
      mac,
      ip,
      cell,
      release,
      tags: column("tags").replace(/;/g, " "),
      secureBoot: column("secureboot"),
      bmc,
      identity: column("identity"),
    });
    if (result.success) rows.push({ line: r.line, input: result.data });
    else problems.push(...rowProblems(r.line, result.error));
  }
  return { rows, problems, total: records.length };
}
