import type { Command } from "commander";
import { cliActor } from "@/lib/auth/roles";

export function registerPruneCommand(program: Command) {
  program
    .command("prune")
    .description("delete boot history beyond AFSBOOT_BOOT_HISTORY boots per host (100) or AFSBOOT_BOOT_HISTORY_DAYS days (365), and stale discovery candidates")
    .action(async () => {
      const { pruneBoots, retentionPolicy } = await import("@/lib/data/boot-retention");
      const policy = retentionPolicy();
      const r = await pruneBoots(cliActor(), policy);
      console.log(
        `Pruned ${r.boots} boots (${r.events} events) and ${r.discovered} discovery candidates; keeping ${policy.perHost} boots per host, ${policy.days} days.`,
      );
    });
}
