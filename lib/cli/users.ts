import type { Command } from "commander";
import { cliActor } from "@/lib/auth/roles";
import { CliError, parseOrFail, readSecret, roleOption } from "./io";

// loaded when a command runs, not at the CLI's start
const users = () => import("@/lib/data/users");
const userSchemas = () => import("@/lib/validation/user");
const tokens = () => import("@/lib/data/api-tokens");

export function registerUserCommands(program: Command) {
  const user = program.command("user").description("console users");
  user
    .command("add")
    .description("create a user; the password is read from stdin (or prompted on a terminal)")
    .argument("<name>", "username")
    .addOption(roleOption())
    .action(async (name: string, opts: { role: string }) => {
      const password = await readSecret(`Password for ${name}: `);
      const input = await parseOrFail((await userSchemas()).userInput, { username: name, password, role: opts.role });
      const created = await (await users()).createUser(cliActor(), input);
      console.log(`created user ${created!.username} (${created!.role})`);
    });
  user
    .command("passwd")
    .description("set a user's password (read from stdin, or prompted on a terminal); ends all their sessions")
    .argument("<name>", "username")
    .action(async (name: string) => {
      const password = await readSecret(`New password for ${name}: `);
      const input = await parseOrFail((await userSchemas()).passwordReset, { username: name, newPassword: password });
      const { username, sessionsEnded } = await (await users()).resetPassword(cliActor(), input.username, input.newPassword);
      console.log(`changed the password of ${username}; ${sessionsEnded} session${sessionsEnded === 1 ? "" : "s"} ended`);
    });
  user
    .command("list")
    .description("list users")
    .action(async () => {
      for (const u of await (await users()).listUsers(cliActor())) {
        console.log(`${u.username}\t${u.role}\t${u.lastLoginAt?.toISOString() ?? "never signed in"}`);
      }
    });

  const token = program.command("token").description("API tokens for scripts");
  token
    .command("create")
    .description("create an API token and print it (shown this once only)")
    .argument("<name>", "token name")
    .addOption(roleOption())
    .action(async (name: string, opts: { role: string }) => {
      const input = await parseOrFail((await import("@/lib/validation/api-token")).apiTokenInput, { name, role: opts.role });
      const created = await (await tokens()).createApiToken(cliActor(), input);
      console.log(created!.token);
    });
  token
    .command("list")
    .description("list API tokens (never their secrets)")
    .action(async () => {
      for (const t of await (await tokens()).listApiTokens(cliActor())) {
        const state = t.revokedAt ? "revoked" : "active";
        console.log(`${t.name}\t${t.role}\t${t.prefix}…\t${state}\tlast used ${t.lastUsedAt?.toISOString() ?? "never"}`);
      }
    });
  token
    .command("revoke")
    .description("revoke an API token by name")
    .argument("<name>", "token name")
    .action(async (name: string) => {
      const t = await tokens();
      const found = (await t.listApiTokens(cliActor())).find((x) => x.name === name);
      if (!found) throw new CliError(`no API token named ${name}`);
      await t.revokeApiToken(cliActor(), found.id);
      console.log(`revoked ${name}`);
    });
}
