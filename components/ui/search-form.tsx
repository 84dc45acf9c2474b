import { Search } from "lucide-react";
import { cn } from "@/lib/utils";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

export type SearchFormProps = {
  placeholder?: string;
  defaultValue?: string;
  /** Current search params to carry over (filters, sort). `q` and `page` are dropped. */
  params?: Record<string, string | undefined>;
  /** Where the form submits; defaults to the current URL. */
  action?: string;
  className?: string;
};

/** A plain GET search form: works without JavaScript and resets to page 1. */
export function SearchForm({ placeholder = "Search…", defaultValue, params, action, className }: SearchFormProps) {
  const carried = Object.entries(params ?? {}).filter((entry): entry is [string, string] => entry[0] !== "q" && entry[0] !== "page" && !!entry[1]);
  return (
    <form method="get" action={action} role="search" className={cn("flex w-full max-w-md items-center gap-2", className)}>
      {carried.map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <div className="relative flex-1">
        <Search className="pointer-events-none absolute left-2.5 top-1/2 size-4 -translate-y-1/2 text-slate-500" aria-hidden="true" />
        <Input type="search" name="q" aria-label="Search" placeholder={placeholder} defaultValue={defaultValue} className="pl-8" />
      </div>
      <Button type="submit" variant="outline">
        Search
      </Button>
    </form>
  );
}
