import type { Command } from "commander";
import { cliActor } from "@/lib/auth/roles";
import { createApiToken, listApiTokens, revokeApiToken } from "@/lib/data/api-tokens";
import { createUser, listUsers, resetPassword } from "@/lib/data/users";
import { apiTokenInput } from "@/lib/validation/api-token";
import { passwordReset, userInput } from "@/lib/validation/user";
import { CliError, parseOrFail, readSecret, roleOption } from "./io";

export function registerUserCommands(program: Command) {
  const user = program.command("user").description("console users");
  user
    .command("add")
    .description("create a user; the password is read from stdin (or prompted on a terminal)")
    .argument("<name>", "username")
    .addOption(roleOption())
    .action(async (name: string, opts: { role: string }) => {
      const password = await readSecret(`Password for ${name}: `);
      const input = parseOrFail(userInput, { username: name, password, role: opts.role });
      const created = await createUser(cliActor(), input);
      console.log(`created user ${created!.username} (${created!.role})`);
    });
  user
    .command("passwd")
    .description("set a user's password (read from stdin, or prompted on a terminal); ends all their sessions")
    .argument("<name>", "username")
    .action(async (name: string) => {
      const password = await readSecret(`New password for ${name}: `);
      const input = parseOrFail(passwordReset, { username: name, newPassword: password });
      const { username, sessionsEnded } = await resetPassword(cliActor(), input.username, input.newPassword);
      console.log(`changed the password of ${username}; ${sessionsEnded} session${sessionsEnded === 1 ? "" : "s"} ended`);
    });
  user
    .command("list")
    .description("list users")
    .action(async () => {
      for (const u of await listUsers(cliActor())) {
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
      const input = parseOrFail(apiTokenInput, { name, role: opts.role });
      const created = await createApiToken(cliActor(), input);
      console.log(created!.token);
    });
  token
    .command("list")
    .description("list API tokens (never their secrets)")
    .action(async () => {
      for (const t of await listApiTokens(cliActor())) {
        const state = t.revokedAt ? "revoked" : "active";
        console.log(`${t.name}\t${t.role}\t${t.prefix}…\t${state}\tlast used ${t.lastUsedAt?.toISOString() ?? "never"}`);
      }
    });
  token
    .command("revoke")
    .description("revoke an API token by name")
    .argument("<name>", "token name")
    .action(async (name: string) => {
      const found = (await listApiTokens(cliActor())).find((t) => t.name === name);
      if (!found) throw new CliError(`no API token named ${name}`);
      await revokeApiToken(cliActor(), found.id);
      console.log(`revoked ${name}`);
    });
}
