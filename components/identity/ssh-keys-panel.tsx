"use client";

import { KeyRound } from "lucide-react";
import { utc } from "@/components/publications/format";
import { Button } from "@/components/ui/button";
import { ConfirmDelete } from "@/components/ui/confirm-delete";
import type { ActionState } from "@/lib/action-state";
import { CopyText } from "./copy-text";
import { rotateSshKeys, type IdentityWire } from "./identity-wire";

// The host's SSH host keys as fingerprints per type (the keys themselves never leave the console
// but in the host's bundle), and (operator) new ones: confirmed, since users' known_hosts change.

interface Props {
  host: string;
  ssh: IdentityWire["secrets"]["ssh"];
  createdAt: string | null;
  canOperate: boolean;
  busy: boolean;
  run: (fn: () => Promise<string>) => Promise<ActionState>;
  confirmed: (fn: () => Promise<string>) => () => Promise<ActionState>;
}

export function SshKeysPanel({ host, ssh, createdAt, canOperate, busy, run, confirmed }: Props) {
  const rotate = async () => {
    const r = await rotateSshKeys(host);
    return `New SSH host keys for ${host}: ${r.ssh.map((k) => k.type).join(", ")}`;
  };
  return (
    <div className="space-y-3">
      {ssh.length ? (
        <>
          <ul className="space-y-1 text-sm" data-testid="ssh-keys">
            {ssh.map((k) => (
              <li key={k.type} className="grid gap-x-4 sm:grid-cols-[12rem_1fr]" data-testid="ssh-key" data-type={k.type}>
                <span className="font-mono text-xs text-slate-600">{k.type}</span>
                <CopyText text={k.fingerprint} label={`the ${k.type} fingerprint`} testId="ssh-fingerprint" />
              </li>
            ))}
          </ul>
          {createdAt && <p className="text-xs text-slate-600">Made at {utc(new Date(createdAt))}; the same keys at every boot until rotated.</p>}
        </>
      ) : (
        <p className="flex items-start gap-2 text-sm text-slate-600" data-testid="ssh-none">
          <KeyRound className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
          No SSH host keys yet: the console makes them at the host&apos;s first secrets delivery{canOperate ? ", or now" : ""}.
        </p>
      )}
      {canOperate &&
        (ssh.length ? (
          <ConfirmDelete
            action={confirmed(rotate)}
            verb="Rotate"
            what={`the SSH host keys of host ${host}`}
            triggerLabel="Rotate SSH host keys…"
            variant="default"
            disabled={busy}
            description={`The host gets new SSH host keys at its next boot. Its users' known_hosts entries stop matching: ssh warns of a changed host key until they take the new ones (GET /api/v1/known-hosts has them for the whole fleet).`}
          />
        ) : (
          <Button type="button" variant="outline" size="sm" disabled={busy} onClick={() => void run(rotate)}>
            Create SSH host keys
          </Button>
        ))}
    </div>
  );
}
