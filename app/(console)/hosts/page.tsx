import type { Metadata } from "next";
import { HardDrive } from "lucide-react";
import { ComingSoon } from "@/components/shell/coming-soon";

export const metadata: Metadata = { title: "Hosts" };

export default function Page() {
  return (
    <ComingSoon
      title="Hosts"
      icon={HardDrive}
      description="Enroll hosts one by one, in bulk from CSV or ranges, and assign release trees."
      what="Host enrollment (form, CSV, ranges, fleet file) and the searchable host table arrive with the inventory release. Meanwhile, describe your networks and cells."
    />
  );
}
