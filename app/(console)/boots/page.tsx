import type { Metadata } from "next";
import { Activity } from "lucide-react";
import { ComingSoon } from "@/components/shell/coming-soon";

export const metadata: Metadata = { title: "Boots" };

export default function Page() {
  return (
    <ComingSoon
      title="Boots"
      icon={Activity}
      description="Every boot attempt, stage by stage, as the clients report it."
      what="Boot reports and per-host boot history arrive with the boot-status release."
    />
  );
}
