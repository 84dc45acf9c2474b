import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { Command, CommanderError } from "commander";
import { AppError } from "@/lib/errors";
import { registerFleetCommands } from "./fleet";
import { registerIdentityCommands } from "./identity";
import { registerPruneCommand } from "./prune";
import { registerPowerCommand } from "./power";
import { registerPublishCommand } from "./publish";
import { registerRolloutCommands } from "./rollouts";
import { registerUserCommands } from "./users";
import { CliError } from "./io";

// `npx afsboot <command>`: the CLI contract is in DESIGN.md. It acts on DATABASE_URL directly
// (the embedded SQLite file by default), as the admin who has shell access to the server.
// Every start loads only commander and the command table (lib/cli/*.ts); a command loads the data
// layer, Prisma and the generators it needs when it runs (`afsboot --help` needs none of them).

async function ensureDatabase() {
  const { env } = await import("@/lib/env");
  const url = env().DATABASE_URL;
  if (!url.startsWith("file:")) return;
  const file = path.resolve(url.slice("file:".length).replace(/\?.*$/, ""));
  if (fs.existsSync(file)) return;
  // fresh clone: create the embedded database exactly as the console's start does
  const root = env().AFSBOOT_ROOT ?? process.cwd();
  execFileSync(process.execPath, [path.join(root, "scripts/migrate.mjs"), "deploy", "--quiet"], { stdio: "inherit" });
}

const program = new Command()
  .name("afsboot")
  .description("AFSBoot console command line (acts on DATABASE_URL; default: the embedded SQLite file ./data/afsboot.db)")
  .showHelpAfterError()
  .exitOverride();

registerFleetCommands(program);
registerPublishCommand(program);
registerPruneCommand(program);
registerPowerCommand(program);
registerRolloutCommands(program);
registerUserCommands(program);
registerIdentityCommands(program);

/** Exits once stdout is flushed: writes to a pipe are asynchronous, and exit() would cut them off. */
function exit(code: number): never {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
  // keep the event loop from running anything else while the pipes drain
  return undefined as never;
}

async function main() {
  try {
    const args = process.argv.slice(2);
    if (args.length > 0 && !["-h", "--help", "help", "-V", "--version"].includes(args[0]!)) await ensureDatabase();
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) return exit(e.exitCode);
    if (e instanceof CliError || e instanceof AppError) {
      console.error(`afsboot: ${e.message}`);
      if (e instanceof AppError && e.fields) for (const [k, v] of Object.entries(e.fields)) console.error(`  ${k}: ${v}`);
      return exit(e instanceof CliError ? e.exitCode : 1);
    }
    console.error(`afsboot: ${e instanceof Error ? e.message : String(e)}`);
    return exit(1);
  }
  exit(0);
}

void main();
