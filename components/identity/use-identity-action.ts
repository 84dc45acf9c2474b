"use client";

import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import type { ActionState } from "@/lib/action-state";
import { identityKeys } from "./identity-wire";

/**
 * Runs one of the card's actions: refreshes the host's identity query after it (whatever the
 * outcome) and keeps the last answer for the card's status line. `confirmed` wraps an action for a
 * confirmation dialog, which closes on success and shows a refusal inside.
 */
export function useIdentityAction(host: string) {
  const queryClient = useQueryClient();
  const [answer, setAnswer] = useState<{ ok: boolean; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(fn: () => Promise<string>): Promise<ActionState> {
    setBusy(true);
    try {
      const message = await fn();
      setAnswer({ ok: true, message });
      return { ok: true, message };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      setAnswer({ ok: false, message });
      return { ok: false, error: message };
    } finally {
      setBusy(false);
      await queryClient.invalidateQueries({ queryKey: identityKeys.host(host) });
    }
  }
  const confirmed = (fn: () => Promise<string>) => () => run(fn);
  return { run, confirmed, answer, setAnswer, busy };
}
