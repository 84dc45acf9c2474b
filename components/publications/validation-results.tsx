import { Badge } from "@/components/ui/badge";
import type { ValidatorResult } from "@/lib/publish/validate";

const VARIANT = { passed: "success", failed: "danger", skipped: "secondary" } as const;

/** Each changed DHCP config and what its daemon said: a rejection in the daemon's own words. */
export function ValidationResults({ results }: { results: ValidatorResult[] }) {
  if (results.length === 0) return <p className="text-sm text-slate-600">No DHCP config changed: there was nothing for dhcpd, kea or dnsmasq to check.</p>;
  return (
    <ul className="space-y-3" aria-label="Validator results">
      {results.map((r) => (
        <li key={`${r.validator} ${r.file}`} className="space-y-1.5">
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <Badge variant={VARIANT[r.status]}>{r.status}</Badge>
            <span className="font-medium">{r.validator}</span>
            <span className="break-all font-mono text-xs text-slate-700">{r.file}</span>
            {r.status === "skipped" && <span className="text-slate-600">({r.output})</span>}
          </div>
          {r.status === "failed" ? (
            <DaemonOutput output={r.output} />
          ) : (
            r.status === "passed" &&
            r.output && (
              <details>
                <summary className="cursor-pointer text-xs text-blue-700">output</summary>
                <DaemonOutput output={r.output} tone="plain" />
              </details>
            )
          )}
        </li>
      ))}
    </ul>
  );
}

/** What a daemon or hook printed, verbatim. */
export function DaemonOutput({ output, tone = "error" }: { output: string; tone?: "error" | "plain" }) {
  const colors = tone === "error" ? "border-red-200 bg-red-50 text-red-900" : "border-slate-200 bg-slate-50 text-slate-800";
  return (
    <pre tabIndex={0} className={`mt-1 max-h-80 overflow-auto whitespace-pre-wrap break-all rounded-md border p-3 font-mono text-xs leading-5 ${colors}`}>
      {output.trim() || "(no output)"}
    </pre>
  );
}
