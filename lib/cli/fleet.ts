import fs from "node:fs";
import type { Command } from "commander";
import { cliActor } from "@/lib/auth/roles";
import type { Change } from "@/lib/data/fleet-apply";
import { AppError } from "@/lib/errors";
import { registerExportCommands } from "./export";
import { CliError } from "./io";

const SIGN: Record<Change["op"], string> = { create: "+", update: "~", delete: "-", keep: "=" };

export function formatChanges(changes: Change[]): string {
  const lines = changes.map((c) => `${SIGN[c.op]} ${c.kind} ${c.name}${c.detail ? ` (${c.detail})` : ""}`);
  const count = (op: Change["op"]) => changes.filter((c) => c.op === op).length;
  const real = count("create") + count("update") + count("delete");
  lines.push(real === 0 ? "No changes." : `${count("create")} created, ${count("update")} updated, ${count("delete")} deleted.`);
  if (count("keep")) lines.push(`${count("keep")} not in the file and kept (use --prune to delete them).`);
  return lines.join("\n");
}

export function registerFleetCommands(program: Command) {
  program
    .command("apply")
    .description("make the database match a fleet file (YAML or JSON), all or nothing; prints what changed")
    .argument("<file>", "fleet file, or - for stdin")
    .option("--prune", "delete what the file does not list (never without it)")
    .option("--dry-run", "print what would change, change nothing")
    .option("--allow-empty", "with --prune, let a file that lists nothing delete everything")
    .action(async (file: string, opts: { prune?: boolean; dryRun?: boolean; allowEmpty?: boolean }) => {
      let text: string;
      try {
        text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
      } catch (e) {
        throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const { formatProblem, parseFleet } = await import("@/lib/fleet/parse");
      const { applyFleet } = await import("@/lib/data/fleet-apply");
      const parsed = parseFleet(text);
      if (!parsed.ok)
        throw new CliError(
          `${file}: ${parsed.problems.length} problem(s), nothing changed:\n${parsed.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
        );
      try {
        // an empty file (a wrong path, a truncated export) with --prune would delete the whole inventory
        const f = parsed.fleet;
        const empty = !f.networks?.length && !f.cells?.length && !f.releases?.length && !f.hosts?.length;
        if (opts.prune && !opts.dryRun && empty && !opts.allowEmpty) {
          const gone = (await applyFleet(cliActor(), f, { prune: true, dryRun: true })).filter((c) => c.op === "delete");
          if (gone.length) {
            const kinds = ["host", "release", "version", "cell", "network"]
              .map((k) => [k, gone.filter((c) => c.kind === k).length] as const)
              .filter(([, n]) => n > 0);
            throw new CliError(
              `${file} lists nothing: --prune would delete everything (${kinds.map(([k, n]) => `${n} ${k}${n === 1 ? "" : "s"}`).join(", ")}). Nothing changed. If that is what you want, add --allow-empty.`,
            );
          }
        }
        const changes = await applyFleet(cliActor(), f, { prune: opts.prune, dryRun: opts.dryRun });
        console.log((opts.dryRun ? "Dry run: nothing was changed.\n" : "") + formatChanges(changes));
      } catch (e) {
        if (e instanceof AppError && e.fields) {
          throw new CliError(
            `${file}: ${e.message}\n${Object.entries(e.fields)
              .map(([k, v]) => `  ${k}: ${v}`)
              .join("\n")}`,
          );
        }
        throw e;
      }
    });

  const exp = program.command("export").description("print the fleet file or single generated boot files");
  registerExportCommands(exp, program);
  exp
    .command("fleet")
    .description("print the inventory as a fleet file (YAML; --json for JSON)")
    .option("--json", "JSON instead of YAML")
    .action(async (opts: { json?: boolean }) => {
      const fleet = await (await import("@/lib/data/fleet-export")).exportFleet(cliActor());
      process.stdout.write(opts.json ? JSON.stringify(fleet, null, 2) + "\n" : (await import("@/lib/fleet/format")).fleetYaml(fleet));
    });
}
