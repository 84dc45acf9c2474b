import type { ReactNode } from "react";
import Link from "next/link";
import { CircleAlert, CircleCheck } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import type { BulkEnrolled } from "@/lib/inventory/bulk-result";
import { plural, seconds } from "./format";

// What CSV import and range enrollment show after the server answered: the refusal, or the result.

export function BulkError({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <div role="alert" data-testid="bulk-error" className="flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      <CircleAlert className="mt-0.5 size-4 shrink-0 text-red-600" aria-hidden />
      <p>{error}</p>
    </div>
  );
}

/** The enrolled hosts, a link to them, and `children` for more actions ("Import another file"). */
export function EnrolledCard({ enrolled, children }: { enrolled: BulkEnrolled; children?: ReactNode }) {
  const span =
    enrolled.first && enrolled.last && enrolled.created > 1 ? ` (${enrolled.first} … ${enrolled.last})` : enrolled.first ? ` (${enrolled.first})` : "";
  return (
    <Card>
      <CardContent className="space-y-3 pt-5" role="status">
        <p className="flex items-center gap-2 font-medium text-green-800">
          <CircleCheck className="size-5 text-green-600" aria-hidden />
          Enrolled {plural(enrolled.created, "host")}
          {span} in {seconds(enrolled.serverMs)}.
        </p>
        <p className="text-sm text-slate-600">Their boot files are generated at the next publication.</p>
        <div className="flex gap-3">
          <Button asChild>
            <Link href="/hosts">Go to hosts</Link>
          </Button>
          {children}
        </div>
      </CardContent>
    </Card>
  );
}
