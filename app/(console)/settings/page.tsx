import { redirect } from "next/navigation";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";

/** Admins land on the users; everyone else on their own account. */
export default async function SettingsPage() {
  const actor = await requireActor();
  redirect(hasRole(actor.role, "admin") ? "/settings/users" : "/settings/account");
}
