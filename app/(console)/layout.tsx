import type { ReactNode } from "react";
import { headers } from "next/headers";
import { AppShell } from "@/components/shell/app-shell";
import { pageRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";
import { pendingChanges } from "@/lib/data/publications";
import { signOut } from "../(auth)/actions";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  // the page's role, checked here, above (console)/loading.tsx: a redirect to /login or /forbidden
  // is then an HTTP redirect, not a streamed skeleton that reloads itself (<meta refresh>) later
  const actor = await requireActor(pageRole((await headers()).get("x-afsboot-path") ?? "/"));
  const { count } = await pendingChanges(actor);
  const badges = { "/publications": { count, label: `${count} unpublished change${count === 1 ? "" : "s"}` } };
  return (
    <AppShell user={{ name: actor.name, role: actor.role }} badges={badges} signOut={signOut}>
      {children}
    </AppShell>
  );
}
