import type { LucideIcon } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";

/** A section that a later release of the console fills in. Says what it will hold, nothing more. */
export function ComingSoon({ title, description, icon, what }: { title: string; description: string; icon: LucideIcon; what: string }) {
  return (
    <div className="space-y-6">
      <PageHeader title={title} description={description} />
      <EmptyState icon={icon} title="Coming soon">
        {what}
      </EmptyState>
    </div>
  );
}
