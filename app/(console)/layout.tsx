import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { requireActor } from "@/lib/auth/session";
import { signOut } from "../(auth)/actions";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const actor = await requireActor();
  return (
    <AppShell user={{ name: actor.name, role: actor.role }} signOut={signOut}>
      {children}
    </AppShell>
  );
}
