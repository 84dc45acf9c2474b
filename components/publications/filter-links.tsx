import Link from "next/link";
import { cn } from "@/lib/utils";

export interface FilterOption {
  label: string;
  /** the query value; undefined for "all" */
  value?: string;
}

interface Props {
  label: string;
  basePath: string;
  /** the query parameter the filter sets */
  name: string;
  current?: string;
  options: FilterOption[];
  /** other search params to keep on the links (a search); `page` restarts */
  keep?: Record<string, string | undefined>;
}

/** A row of links that filter a table through the URL (so a filtered view can be shared); paging restarts at 1. */
export function FilterLinks({ label, basePath, name, current, options, keep }: Props) {
  return (
    <nav aria-label={label} className="flex flex-wrap gap-1">
      {options.map((o) => {
        const active = o.value === current;
        const query = new URLSearchParams(
          Object.entries({ ...keep, [name]: o.value }).filter((e): e is [string, string] => e[0] !== "page" && !!e[1]),
        ).toString();
        const href = query ? `${basePath}?${query}` : basePath;
        return (
          <Link
            key={o.label}
            href={href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "rounded-md px-2.5 py-1 text-sm font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-500",
              active ? "bg-blue-50 text-blue-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
            )}
          >
            {o.label}
          </Link>
        );
      })}
    </nav>
  );
}
