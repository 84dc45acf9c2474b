import type { Metadata } from "next";
import { FileCog } from "lucide-react";
import { ComingSoon } from "@/components/shell/coming-soon";

export const metadata: Metadata = { title: "Publications" };

export default function Page() {
  return (
    <ComingSoon
      title="Publications"
      icon={FileCog}
      description="Each regeneration of DHCP, PXE/iPXE configs and initrd overlays, with the files it changed."
      what="Publishing boot files arrives with the boot-artifacts release."
    />
  );
}
