import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { requireActor } from "@/lib/auth/session";
import { pendingChanges } from "@/lib/data/publications";
import { signOut } from "../(auth)/actions";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const actor = await requireActor();
  const { count } = await pendingChanges(actor);
  const badges = { "/publications": { count, label: `${count} unpublished change${count === 1 ? "" : "s"}` } };
  return (
    <AppShell user={{ name: actor.name, role: actor.role }} badges={badges} signOut={signOut}>
      {children}
    </AppShell>
  );
}
