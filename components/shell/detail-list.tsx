import type { ReactNode } from "react";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";

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

/**
 * A record's settings: the edit form (`children`) for those who may change it, else the
 * read-only rows. One place, so every detail page treats viewers the same way.
 */
export function SettingsOrDetails({ editable, rows, children }: { editable: boolean; rows: [label: string, value: string][]; children: ReactNode }) {
  if (!editable) return <DetailList rows={rows} />;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Settings</CardTitle>
      </CardHeader>
      <CardContent>{children}</CardContent>
    </Card>
  );
}
