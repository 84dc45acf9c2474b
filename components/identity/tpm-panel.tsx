"use client";

import { ShieldAlert, ShieldQuestion } from "lucide-react";
import { utc } from "@/components/publications/format";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import type { ActionState } from "@/lib/action-state";
import { CopyText } from "./copy-text";
import { approveTpm, forgetTpm, type IdentityWire } from "./identity-wire";

// The TPM part of the card: the pinned TPM (fingerprint, who pinned it, when), a TPM awaiting
// approval (first use) or a different one (identity mismatch, which blocks the host's secrets),
// and (admin: a pinned TPM gets the keytab and SSH host keys) Approve, which sends the fingerprint the
// dialog showed, and Forget.

type Tpm = NonNullable<IdentityWire["identity"]["tpm"]>;

interface Props {
  host: string;
  tpm: IdentityWire["identity"]["tpm"];
  enrolment: IdentityWire["identity"]["enrolment"];
  canOperate: boolean;
  busy: boolean;
  confirmed: (fn: () => Promise<string>) => () => Promise<ActionState>;
}

export function TpmPanel({ host, tpm, enrolment, canOperate, busy, confirmed }: Props) {
  if (!tpm)
    return (
      <p className="text-sm text-slate-600" data-testid="tpm-none">
        No TPM seen yet. At its next boot the host shows its TPM:{" "}
        {enrolment === "tofu" ? "it is pinned at once (trust on first use)." : "it waits here for an operator's approval."}
      </p>
    );
  const candidate = tpm.candidate;
  return (
    <div className="space-y-3">
      <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]">
        <dt className="text-slate-500">Pinned TPM</dt>
        <dd>
          {tpm.fingerprint ? (
            <>
              <CopyText text={tpm.fingerprint} label="the pinned TPM's fingerprint" testId="tpm-pinned" />
              <span className="block text-xs text-slate-600" data-testid="tpm-pinned-by">
                {tpm.pinnedBy === "first use" ? "pinned on first use" : `approved by ${tpm.pinnedBy ?? "—"}`}
                {tpm.pinnedAt && ` at ${utc(new Date(tpm.pinnedAt))}`}
              </span>
            </>
          ) : (
            <span className="text-slate-600">none yet</span>
          )}
        </dd>
      </dl>
      {candidate && <Candidate tpm={tpm} candidate={candidate} />}
      {canOperate && (
        <div role="group" aria-label="TPM actions" className="flex flex-wrap items-center gap-2">
          {candidate && (
            <ConfirmDelete
              action={confirmed(async () => {
                await approveTpm(host, candidate.fingerprint);
                return `Approved the TPM ${candidate.fingerprint} for host ${host}`;
              })}
              verb="Approve"
              what={`the TPM of host ${host}`}
              triggerLabel="Approve…"
              variant="default"
              disabled={busy}
              description={
                <span className="block space-y-2">
                  <span className="block">
                    Compare this fingerprint with what the machine&apos;s firmware or tpm2_createek shows; approve only if they are the same:
                  </span>
                  <code className="block break-all rounded bg-slate-100 px-2 py-1 font-mono text-xs text-slate-900" data-testid="approve-fingerprint">
                    {candidate.fingerprint}
                  </code>
                  <span className="block">
                    {tpm.mismatch
                      ? "It replaces the pinned TPM: the machine that had it gets no more secrets."
                      : "It is pinned to this host and gets its secrets from its next boot."}
                  </span>
                </span>
              }
            />
          )}
          <ConfirmDelete
            action={confirmed(async () => {
              await forgetTpm(host);
              return `Forgot the TPM of host ${host}`;
            })}
            verb="Forget"
            what={`the TPM of host ${host}`}
            triggerLabel="Forget…"
            disabled={busy}
            description={`The pinned TPM${candidate ? " and the one awaiting approval are" : " is"} forgotten: the host's next boot enrols its TPM again (${enrolment === "tofu" ? "pinned on first use" : "waiting for approval"}). Use it after replacing the mainboard.`}
          />
        </div>
      )}
    </div>
  );
}

function Candidate({ tpm, candidate }: { tpm: Tpm; candidate: NonNullable<Tpm["candidate"]> }) {
  const seen = `${candidate.ip ? ` from ${candidate.ip}` : ""}${candidate.at ? ` at ${utc(new Date(candidate.at))}` : ""}`;
  if (tpm.mismatch)
    return (
      <div
        role="alert"
        className="flex items-start gap-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900"
        data-testid="identity-mismatch"
      >
        <ShieldAlert className="mt-0.5 size-4 shrink-0 text-red-700" aria-hidden="true" />
        <p>
          <strong className="font-semibold">Identity mismatch.</strong> A different TPM (
          <code className="break-all font-mono text-xs">{candidate.fingerprint}</code>) booted as this host
          {seen}; it got no secrets. If the mainboard was replaced, compare and approve it; otherwise find the machine using this host&apos;s MAC address.
        </p>
      </div>
    );
  return (
    <div className="flex items-start gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="tpm-awaiting">
      <ShieldQuestion className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
      <p>
        <strong className="font-semibold">A TPM awaits approval</strong> (first use):{" "}
        <code className="break-all font-mono text-xs">{candidate.fingerprint}</code>
        {seen}. The host gets no secrets until an operator approves it.
      </p>
    </div>
  );
}
