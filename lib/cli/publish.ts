import type { Command } from "commander";
import { cliActor } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { CliError } from "./io";

const SIGN = { added: "+", changed: "~", removed: "-" } as const;

export function registerPublishCommand(program: Command) {
  program
    .command("publish")
    .description("regenerate every boot file and publish what changed into the export directory; exit 1 and publish nothing if a DHCP validator fails")
    .option("--out <dir>", "export directory (default: $AFSBOOT_EXPORT_DIR or <data dir>/export)")
    .option("--dry-run", "print what would change, write nothing")
    .option("--host <name...>", "publish only these hosts' files (and their networks' DHCP files)")
    .option("--diff", "print the unified diff of each changed text file")
    .action(async (opts: { out?: string; dryRun?: boolean; host?: string[]; diff?: boolean }) => {
      const { publish } = await import("@/lib/data/publish");
      const { wholeDiff } = await import("@/lib/publish/diff");
      const { exportDir } = await import("@/lib/env");
      try {
        const r = await publish(cliActor(), { outDir: exportDir(opts.out), dryRun: opts.dryRun, hosts: opts.host });
        for (const s of r.skipped) console.error(`afsboot: note: host ${s.host} left out: ${s.reason}`);
        for (const v of r.validation.filter((x) => x.status === "skipped")) console.error(`afsboot: note: ${v.validator} check skipped: ${v.output}`);
        for (const c of r.changes) {
          console.log(`${SIGN[c.change]} ${c.path}`);
          if (!opts.diff) continue;
          const diff = c.diffGzip ? wholeDiff(c.diffGzip) : c.diff; // whole, not cut at 64 KiB as on the page
          if (diff) console.log(diff.replace(/\n?$/, "\n"));
        }
        const n = (k: string) => r.changes.filter((c) => c.change === k).length;
        console.log(
          r.changes.length === 0
            ? `No changes (${r.unchanged} files up to date).`
            : `${opts.dryRun ? "Dry run: would publish" : "Published"} ${n("added")} added, ${n("changed")} changed, ${n("removed")} removed; ${r.unchanged} unchanged.`,
        );
        if (r.status === "dry_run" && r.publicationId && r.changes.length)
          console.error(`afsboot: note: the dry run is kept as ${r.publicationId} for a day: /publications/${r.publicationId} in the console`);
        for (const d of r.deliveries ?? []) {
          console.log(`boot server ${d.server}: ${d.status} to ${d.target}, ${d.durationMs} ms`);
          if (d.message) console.log(d.message.replace(/^/gm, "  | ").replace(/\n?$/, ""));
        }
        for (const h of r.hooks) {
          console.log(`hook ${h.name}: ${h.status}${h.exitCode !== null ? ` (exit ${h.exitCode})` : ""}, ${h.durationMs} ms`);
          if (h.output.trim()) console.log(h.output.replace(/^/gm, "  | ").replace(/\n?$/, ""));
        }
        if (r.hooks.some((h) => h.status !== "ok")) throw new CliError("published, but a post-publish hook failed (see above)");
        const failed = (r.deliveries ?? []).filter((d) => d.status === "failed").map((d) => d.server);
        if (failed.length)
          throw new CliError(
            `published, but delivery to ${failed.join(", ")} failed (see above); the next publish catches ${failed.length === 1 ? "it" : "them"} up`,
          );
      } catch (e) {
        if (e instanceof AppError && e.fields)
          throw new CliError(
            `${e.message}\n${Object.entries(e.fields)
              .map(([k, v]) => `--- ${k}\n${v}`)
              .join("\n")}`,
          );
        throw e;
      }
    });
}
