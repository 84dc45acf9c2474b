import fs from "node:fs";
import type { Command } from "commander";
import { cliActor } from "@/lib/auth/roles";
import { CliError } from "./io";

// Host identity and secrets from the command line (docs/security.md):
//   afsboot export known-hosts                    ssh_known_hosts of every host with SSH host keys
//   afsboot host ssh-keys HOST [--rotate]         fingerprints; --rotate makes new keys
//   afsboot host keytab HOST --file F | --kadmin | --remove
//   afsboot host tpm HOST [--approve FINGERPRINT | --forget]
// The data layer is loaded when a command runs, not at the CLI's start.

const secrets = () => import("@/lib/data/host-secrets");
const identity = () => import("@/lib/data/identity");

export function registerIdentityCommands(program: Command) {
  const exp = program.commands.find((c) => c.name() === "export") ?? program.command("export").description("print one generated artifact");
  exp
    .command("known-hosts")
    .description("print an ssh_known_hosts file for the fleet: every host with SSH host keys, under its name, FQDN and address")
    .action(async () => {
      process.stdout.write(await (await secrets()).knownHosts(cliActor()));
    });

  const host = program.commands.find((c) => c.name() === "host") ?? program.command("host").description("hosts");
  host
    .command("ssh-keys")
    .description("print a host's SSH host key fingerprints; --rotate makes new keys (users' known_hosts change at its next boot)")
    .argument("<host>", "hostname")
    .option("--rotate", "make new SSH host keys")
    .action(async (name: string, opts: { rotate?: boolean }) => {
      const s = await secrets();
      const keys = opts.rotate ? await s.rotateSshKeys(cliActor(), name) : (await s.hostSecretsView(cliActor(), name)).ssh;
      if (!keys.length) console.error(`afsboot: host ${name} has no SSH host keys yet: they are made at its first delivery, or with --rotate`);
      for (const k of keys) console.log(`${k.type}\t${k.fingerprint}`);
    });
  host
    .command("keytab")
    .description("give a host its Kerberos keytab (host/<fqdn>@REALM of its cell's realm): from a file, or made through kadmin")
    .argument("<host>", "hostname")
    .option("--file <keytab>", "an MIT keytab holding the host's principal")
    .option("--kadmin", "make the principal (if new) and a new key through kadmin (AFSBOOT_KADMIN_PRINCIPAL, AFSBOOT_KADMIN_KEYTAB)")
    .option("--remove", "forget the host's keytab")
    .action(async (name: string, opts: { file?: string; kadmin?: boolean; remove?: boolean }) => {
      const chosen = [opts.file !== undefined, opts.kadmin, opts.remove].filter(Boolean).length;
      if (chosen !== 1) throw new CliError("choose one of --file KEYTAB, --kadmin, --remove");
      const s = await secrets();
      if (opts.remove) {
        await s.clearKeytab(cliActor(), name);
        console.log(`host ${name}: keytab removed`);
        return;
      }
      let r;
      if (opts.file !== undefined) {
        let bytes: Buffer;
        try {
          if (fs.statSync(opts.file).size > 64 * 1024) throw new CliError(`${opts.file} is larger than 64 KiB: not a host keytab`);
          bytes = fs.readFileSync(opts.file);
        } catch (e) {
          if (e instanceof CliError) throw e;
          throw new CliError(`cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
        }
        r = await s.setKeytab(cliActor(), name, bytes);
      } else r = await s.createKeytab(cliActor(), name);
      console.log(`host ${name}: keytab for ${r.principal}, kvno ${r.kvno}, ${r.enctypes.join(" ")} (${r.source})`);
    });
  host
    .command("tpm")
    .description("show a host's TPM identity; --approve FINGERPRINT pins the TPM awaiting approval, --forget lets the next boot enrol again")
    .argument("<host>", "hostname")
    .option("--approve <fingerprint>", "the fingerprint of the TPM to pin (as shown)")
    .option("--forget", "forget the pinned TPM")
    .action(async (name: string, opts: { approve?: string; forget?: boolean }) => {
      const i = await identity();
      if (opts.approve && opts.forget) throw new CliError("either --approve or --forget, not both");
      if (opts.approve) await i.approveTpm(cliActor(), name, opts.approve);
      if (opts.forget) await i.forgetTpm(cliActor(), name);
      const v = await i.hostIdentity(cliActor(), name);
      console.log(`identity\t${v.mode}${v.mode === "port" ? " (weaker: source address and port)" : ""}${v.inherited ? " (the network's)" : ""}`);
      console.log(`pinned\t${v.tpm?.fingerprint ?? "none"}${v.tpm?.pinnedBy ? ` (by ${v.tpm.pinnedBy})` : ""}`);
      if (v.tpm?.candidate)
        console.log(
          `${v.tpm.mismatch ? "MISMATCH" : "awaiting"}\t${v.tpm.candidate.fingerprint} from ${v.tpm.candidate.ip} at ${v.tpm.candidate.at?.toISOString()}`,
        );
    });
}
