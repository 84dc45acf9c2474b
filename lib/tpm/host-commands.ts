// The host side of the identity protocol (#18): the tpm2-tools commands the initrd's /init runs,
// in one place so /init and the tests that run them against a real (software) TPM agree. Pure data.
//
// Without a resource manager (an initrd has no tpm2-abrmd) tpm2-tools leaves the objects it loads
// in the TPM; a few commands later the TPM answers "out of memory for object contexts". So every
// command is followed by `tpm2_flushcontext -t`, and the policy session by a flush of its own.

/** Where the AK lives across boots (the owner's persistent range). */
export const AK_HANDLE = "0x81010002";

/** File names in the host's working directory (a tmpfs on the host). */
export const HOST_FILES = {
  ekCtx: "ek.ctx",
  ekPub: "ek.pub",
  akCtx: "ak.ctx",
  akPub: "ak.pub",
  akName: "ak.name",
  session: "session.ctx",
  /** the console's answer to POST /api/v1/identity/activate */
  credential: "credential",
  /** the 32-byte key K the TPM releases */
  key: "identity.key",
} as const;

export interface TpmCommand {
  argv: readonly string[];
  /** its stdout is noise or a secret (activatecredential prints K as hex): send it to /dev/null */
  discardStdout?: true;
}

const f = HOST_FILES;
const FLUSH_TRANSIENT: TpmCommand = { argv: ["tpm2_flushcontext", "-t"], discardStdout: true };

/** Each command, then a flush of the transient objects it left loaded. */
function flushed(cmds: TpmCommand[]): TpmCommand[] {
  return cmds.flatMap((c) => [c, FLUSH_TRANSIENT]);
}

export const hostCommands = {
  /** Every boot: the EK from the default RSA template; the same key (same bytes) each boot. */
  createEk: flushed([{ argv: ["tpm2_createek", "-c", f.ekCtx, "-G", "rsa", "-u", f.ekPub], discardStdout: true }]),
  /** Every boot: the persistent AK's public area and name. Fails when there is none yet (first boot). */
  readAk: flushed([{ argv: ["tpm2_readpublic", "-c", AK_HANDLE, "-o", f.akPub, "-n", f.akName], discardStdout: true }]),
  /** First boot (readAk failed): an AK under the EK, made persistent at AK_HANDLE. */
  createAk: flushed([
    {
      argv: ["tpm2_createak", "-C", f.ekCtx, "-c", f.akCtx, "-G", "rsa", "-g", "sha256", "-s", "rsassa", "-u", f.akPub, "-n", f.akName],
      discardStdout: true,
    },
    { argv: ["tpm2_evictcontrol", "-C", "o", "-c", f.akCtx, AK_HANDLE], discardStdout: true },
  ]),
  /**
   * With the credential file saved as HOST_FILES.credential: the EK is used under a policy session
   * satisfied by the endorsement hierarchy's (empty) auth; the TPM writes K to HOST_FILES.key.
   * Run `cleanup` afterwards, whether this worked or not.
   */
  activate: flushed([
    { argv: ["tpm2_startauthsession", "--policy-session", "-S", f.session], discardStdout: true },
    { argv: ["tpm2_policysecret", "-S", f.session, "-c", "e"], discardStdout: true },
    {
      argv: ["tpm2_activatecredential", "-c", AK_HANDLE, "-C", f.ekCtx, "-i", f.credential, "-o", f.key, "-P", `session:${f.session}`],
      discardStdout: true,
    },
  ]),
  /** After activate, whatever happened (each on its own, failures ignored): a failed command left its objects loaded. */
  cleanup: [{ argv: ["tpm2_flushcontext", f.session], discardStdout: true }, FLUSH_TRANSIENT],
} satisfies Record<string, TpmCommand[]>;
