import { Card, CardContent } from "@/components/ui/card";

/** Read-only settings of a record, as viewers see them (editors get the form instead). */
export function DetailList({ rows }: { rows: [label: string, value: string][] }) {
  return (
    <Card>
      <CardContent className="pt-6">
        <dl className="grid gap-x-6 gap-y-3 sm:grid-cols-[10rem_1fr]">
          {rows.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-sm text-slate-500">{k}</dt>
              <dd className="font-mono text-sm">{v}</dd>
            </div>
          ))}
        </dl>
      </CardContent>
    </Card>
  );
}
