import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { needsSetup } from "@/lib/data/users";
import { SetupForm } from "./setup-form";

export const metadata: Metadata = { title: "Set up" };
export const dynamic = "force-dynamic";

// Shown only while no user exists (first run); afterwards it sends people to sign in.
export default async function SetupPage() {
  if (!(await needsSetup())) redirect("/login");
  return <SetupForm />;
}
