import Link from "next/link";
import { ChevronLeft, ChevronRight } from "lucide-react";
import { cn } from "@/lib/utils";
import { buttonVariants } from "@/components/ui/button";

export type PaginationProps = {
  /** 1-based current page. */
  page: number;
  pageSize: number;
  total: number;
  /** Path the links point to, e.g. "/hosts". */
  basePath: string;
  /** Current search params; kept on the links, except `page` which is replaced. */
  params?: Record<string, string | undefined>;
  className?: string;
};

const fmt = new Intl.NumberFormat("en-US");

export function pageHref(basePath: string, params: Record<string, string | undefined> | undefined, page: number) {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (key !== "page" && value !== undefined && value !== "") qs.set(key, value);
  }
  qs.set("page", String(page));
  return `${basePath}?${qs.toString()}`;
}

/** "Showing 51–100 of 1,234" with Previous / Next links. No client JavaScript. */
export function Pagination({ page, pageSize, total, basePath, params, className }: PaginationProps) {
  const size = Math.max(1, pageSize);
  const pages = Math.max(1, Math.ceil(total / size));
  const current = Math.min(Math.max(1, Math.floor(page) || 1), pages);
  const from = total === 0 ? 0 : (current - 1) * size + 1;
  const to = Math.min(current * size, total);
  const linkClass = cn(buttonVariants({ variant: "outline", size: "sm" }));

  const step = (target: number, enabled: boolean, label: string, rel: "prev" | "next") => {
    const content =
      rel === "prev" ? (
        <>
          <ChevronLeft className="size-4" aria-hidden="true" />
          {label}
        </>
      ) : (
        <>
          {label}
          <ChevronRight className="size-4" aria-hidden="true" />
        </>
      );
    return enabled ? (
      <Link href={pageHref(basePath, params, target)} rel={rel} className={linkClass}>
        {content}
      </Link>
    ) : (
      <span aria-disabled="true" className={cn(linkClass, "cursor-not-allowed")}>
        {content}
      </span>
    );
  };

  return (
    <nav aria-label="Pagination" className={cn("flex flex-wrap items-center justify-between gap-3 py-3 text-sm text-slate-600", className)}>
      <p>
        {total === 0 ? (
          "No results"
        ) : (
          <>
            Showing <span className="font-medium text-slate-900">{fmt.format(from)}</span>–<span className="font-medium text-slate-900">{fmt.format(to)}</span>{" "}
            of <span className="font-medium text-slate-900">{fmt.format(total)}</span>
          </>
        )}
      </p>
      <div className="flex items-center gap-2">
        {step(current - 1, current > 1, "Previous", "prev")}
        {step(current + 1, current < pages, "Next", "next")}
      </div>
    </nav>
  );
}
