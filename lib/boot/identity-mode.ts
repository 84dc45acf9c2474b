// Host identity (#18): how a host proves who it is to get its secrets. A network's setting, which a
// host's own overrides. The words every page, form and export uses, so the weaker mode (source
// address + privileged port, no TPM) is marked weaker wherever it shows. Pure: shared by server and
// client code.

export const IDENTITY_MODES = ["none", "tpm", "port"] as const;
export type IdentityModeName = (typeof IDENTITY_MODES)[number];

export const IDENTITY_ENROLMENTS = ["approve", "tofu"] as const;
export type IdentityEnrolmentName = (typeof IDENTITY_ENROLMENTS)[number];

/** The mode a host uses: its own, else its network's. */
export const effectiveIdentity = (own: IdentityModeName | null | undefined, network: IdentityModeName): IdentityModeName => own ?? network;

/** Short names, as selects and badges show them. */
export const IDENTITY_LABELS: Record<IdentityModeName, string> = {
  none: "none",
  tpm: "TPM",
  port: "source port (weaker)",
};

/** What each mode means, in a sentence. */
export const IDENTITY_DESCRIPTIONS: Record<IdentityModeName, string> = {
  none: "no identity: the host gets no secrets (no stable SSH host keys, no keytab)",
  tpm: "TPM: secrets are released only to the host's pinned TPM (credential activation)",
  port: "source address + privileged port (weaker): secrets go in the clear to a request from the host's IP and a port below 1024; anyone who is root on a machine that can take its address gets them",
};

export const ENROLMENT_LABELS: Record<IdentityEnrolmentName, string> = {
  approve: "approve on the host page",
  tofu: "trust on first use",
};

/** The weaker mode, marked so everywhere it shows. */
export const isWeakerIdentity = (mode: IdentityModeName | null | undefined) => mode === "port";

/** Where a host's identity mode comes from, in words (the host page's settings). */
export function identitySource(h: { identity: IdentityModeName | null; network: string; networkIdentity: IdentityModeName }): string {
  if (h.identity === null) return `${IDENTITY_LABELS[h.networkIdentity]}, inherited from network ${h.network}`;
  return `${IDENTITY_LABELS[h.identity]}, the host's own setting (network ${h.network}: ${IDENTITY_LABELS[h.networkIdentity]})`;
}
