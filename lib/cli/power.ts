import type { Command } from "commander";
import { cliActor } from "@/lib/auth/roles";
import { POWER_ACTIONS, type PowerAction } from "@/lib/power/types";
import { CliError } from "./io";

// `afsboot power ACTION HOST… | --tag T | --release R | --network N`: each host's BMC answer on a
// line of its own; exit 1 when any host failed (the others were still done).

export function registerPowerCommand(program: Command) {
  program
    .command("power")
    .description(`power control through the hosts' BMCs: ${POWER_ACTIONS.join("|")} (pxe: boot from the network once, at the next boot)`)
    .argument("<action>", POWER_ACTIONS.join(" | "))
    .argument("[hosts...]", "host names (or select with --tag, --release, --network)")
    .option("--tag <tag>", "every host with this tag")
    .option("--release <name>", "every host assigned this release")
    .option("--network <name>", "every host of this network")
    .option("--json", "print the outcomes as JSON")
    .action(async (action: string, hosts: string[], opts: { tag?: string; release?: string; network?: string; json?: boolean }) => {
      if (!(POWER_ACTIONS as readonly string[]).includes(action)) throw new CliError(`unknown action ${action}: use one of ${POWER_ACTIONS.join(", ")}`, 2);
      const filters = {
        ...(opts.tag ? { tag: opts.tag } : {}),
        ...(opts.release ? { release: opts.release } : {}),
        ...(opts.network ? { network: opts.network } : {}),
      };
      const byFilter = Object.keys(filters).length > 0;
      if (hosts.length && byFilter) throw new CliError("name hosts or select them with --tag/--release/--network, not both", 2);
      if (!hosts.length && !byFilter) throw new CliError("name at least one host, or select hosts with --tag, --release or --network", 2);
      const { powerOnMany } = await import("@/lib/data/power");
      const r = await powerOnMany(cliActor(), action as PowerAction, hosts.length ? hosts : null, byFilter ? filters : null);
      if (opts.json) console.log(JSON.stringify(r, null, 2));
      else {
        const width = Math.max(...r.results.map((o) => o.host.length));
        for (const o of r.results)
          console.log(
            `${o.host.padEnd(width)}  ${o.ok ? "ok    " : "FAILED"}  ${(o.state ?? "").padEnd(7)}  ${o.message.replace(/\s*\n\s*/g, " | ")}${o.driver ? ` (${o.driver}, ${o.durationMs} ms)` : ""}`,
          );
        console.log(`${action}: ${r.ok} ok, ${r.failed} failed`);
      }
      if (r.failed) throw new CliError(`${r.failed} of ${r.results.length} host(s) failed (see above)`);
    });
}
