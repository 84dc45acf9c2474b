import { redirect } from "next/navigation";
import { hasRole } from "@/lib/auth/roles";
import { requireActor } from "@/lib/auth/session";

/**
 * /settings: admins land on the users, everyone else on their own account, by an HTTP redirect
 * (307). A page here would redirect only after (console)/loading.tsx had streamed its skeleton,
 * which Next.js can do only with a 1-second <meta http-equiv="refresh">: a slower answer, and a
 * reload that still fires after the user (or a test) has already gone elsewhere.
 */
export async function GET() {
  const actor = await requireActor();
  redirect(hasRole(actor.role, "admin") ? "/settings/users" : "/settings/account");
}
