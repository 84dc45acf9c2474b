import Link from "next/link";
import { ShieldAlert } from "lucide-react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

export default function ForbiddenPage() {
  return (
    <EmptyState
      icon={ShieldAlert}
      title="Your role does not allow this page"
      action={
        <Button asChild variant="outline">
          <Link href="/">Back to the dashboard</Link>
        </Button>
      }
    >
      Ask an admin for a higher role if you need it.
    </EmptyState>
  );
}
