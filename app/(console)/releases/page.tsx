import type { Metadata } from "next";
import { Layers } from "lucide-react";
import { ComingSoon } from "@/components/shell/coming-soon";

export const metadata: Metadata = { title: "Releases" };

export default function Page() {
  return (
    <ComingSoon
      title="Releases"
      icon={Layers}
      description="Release trees in AFS and their immutable versions: kernel, base initrd, modules, bind-mounted directories."
      what="Release trees and versions arrive with the inventory release."
    />
  );
}
