import path from "node:path";
import type { Command } from "commander";
import { cliActor } from "@/lib/auth/roles";
import { publish } from "@/lib/data/publish";
import { AppError } from "@/lib/errors";
import { CliError } from "./io";

/** The export directory: --out, else AFSBOOT_EXPORT_DIR, else ./data/export (absolute). */
export const exportDir = (out?: string) => path.resolve(out ?? process.env.AFSBOOT_EXPORT_DIR ?? "data/export");

const SIGN = { added: "+", changed: "~", removed: "-" } as const;

export function registerPublishCommand(program: Command) {
  program
    .command("publish")
    .description("regenerate every boot file and publish what changed into the export directory; exit 1 and publish nothing if a DHCP validator fails")
    .option("--out <dir>", "export directory (default: $AFSBOOT_EXPORT_DIR or ./data/export)")
    .option("--dry-run", "print what would change, write nothing")
    .action(async (opts: { out?: string; dryRun?: boolean }) => {
      try {
        const r = await publish(cliActor(), { outDir: exportDir(opts.out), dryRun: opts.dryRun });
        for (const s of r.skipped) console.error(`afsboot: note: host ${s.host} left out: ${s.reason}`);
        for (const v of r.validation.filter((x) => x.status === "skipped")) console.error(`afsboot: note: ${v.validator} check skipped: ${v.output}`);
        for (const c of r.changes) console.log(`${SIGN[c.change]} ${c.path}`);
        const n = (k: string) => r.changes.filter((c) => c.change === k).length;
        console.log(
          r.changes.length === 0
            ? `No changes (${r.unchanged} files up to date).`
            : `${opts.dryRun ? "Dry run: would publish" : "Published"} ${n("added")} added, ${n("changed")} changed, ${n("removed")} removed; ${r.unchanged} unchanged.`,
        );
      } catch (e) {
        if (e instanceof AppError && e.fields) throw new CliError(`${e.message}\n${Object.entries(e.fields).map(([k, v]) => `--- ${k}\n${v}`).join("\n")}`);
        throw e;
      }
    });
}
