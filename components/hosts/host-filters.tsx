"use client";

import { useEffect, type FormEvent } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Search } from "lucide-react";
import type { HostChoices } from "@/lib/data/host-queries";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { FilterSelect } from "@/components/ui/filter-select";
import {
  DEFAULT_HOST_PAGE_SIZE,
  HOST_IDENTITY_FILTERS,
  HOST_PAGE_SIZES,
  HOST_STATES,
  hasFilters,
  hostsHref,
  type HostParams,
} from "@/lib/validation/host-query";

// Search and filters of the hosts table: a GET form (works without JavaScript); with JavaScript a
// select applies a choice at once (keyboard steps wait for Enter, see FilterSelect). Every change
// lands in the URL and goes back to page 1.

/**
 * The page mounts fresh filters for each new URL (their defaults are the URL's): the select a
 * choice was made in gets the focus back, so the keyboard carries on from there.
 */
let refocus: { id: string; search: string } | null = null;

interface Props {
  params: HostParams;
  choices: HostChoices;
}

export function HostFilters({ params, choices }: Props) {
  const router = useRouter();
  useEffect(() => {
    if (refocus && refocus.search === window.location.search) document.getElementById(refocus.id)?.focus();
    refocus = null;
  }, []);

  function apply(form: HTMLFormElement) {
    const data = new FormData(form);
    const get = (k: string) => (data.get(k) as string | null)?.trim() || undefined;
    const href = hostsHref(
      { sort: params.sort, dir: params.dir },
      {
        q: get("q"),
        cell: get("cell"),
        release: get("release"),
        network: get("network"),
        tag: get("tag"),
        state: get("state"),
        identity: get("identity"),
        size: get("size") === String(DEFAULT_HOST_PAGE_SIZE) ? undefined : get("size"),
      },
    );
    router.push(href);
    return href;
  }
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    apply(e.currentTarget);
  };
  const onApply = (select: HTMLSelectElement) => {
    if (!select.form) return;
    const href = apply(select.form);
    if (document.activeElement === select) refocus = { id: select.id, search: new URL(href, window.location.href).search };
  };

  const select = (name: keyof HostParams, label: string, all: string, options: { value: string; label: string }[]) => (
    <div className="space-y-1">
      <Label htmlFor={`filter-${name}`} className="text-xs text-slate-600">
        {label}
      </Label>
      <FilterSelect
        id={`filter-${name}`}
        name={name}
        defaultValue={params[name] ?? ""}
        applied={params[name] ?? ""}
        onApply={onApply}
        containerClassName="w-44"
      >
        <option value="">{all}</option>
        {params[name] && !options.some((o) => o.value === params[name]) && <option value={params[name]}>{params[name]}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </FilterSelect>
    </div>
  );
  const names = (list: string[]) => list.map((n) => ({ value: n, label: n }));

  return (
    <form method="get" action="/hosts" onSubmit={onSubmit} className="space-y-3" aria-label="Filter hosts">
      {params.sort && <input type="hidden" name="sort" value={params.sort} />}
      {params.dir && <input type="hidden" name="dir" value={params.dir} />}
      <div role="search" className="flex w-full max-w-xl items-center gap-2">
        <div className="relative flex-1">
          <Search className="pointer-events-none absolute left-2.5 top-1/2 size-4 -translate-y-1/2 text-slate-500" aria-hidden="true" />
          <Input type="search" name="q" aria-label="Search hosts" placeholder="Hostname, MAC or IP prefix" defaultValue={params.q ?? ""} className="pl-8" />
        </div>
        <Button type="submit" variant="outline">
          Search
        </Button>
      </div>
      <div className="flex flex-wrap items-end gap-3">
        {select("cell", "Cell", "All cells", names(choices.cells))}
        {select("release", "Release", "All releases", names(choices.releases.map((r) => r.name)))}
        {select("network", "Network", "All networks", names(choices.networks.map((n) => n.name)))}
        {select("tag", "Tag", "All tags", names(choices.tags))}
        {select(
          "state",
          "Boot state",
          "Any boot state",
          HOST_STATES.map((s) => ({ value: s, label: s === "never" ? "never booted" : s === "pending" ? "reboot pending" : s })),
        )}
        {select(
          "identity",
          "TPM identity",
          "Any identity",
          HOST_IDENTITY_FILTERS.map((s) => ({ value: s, label: s === "mismatch" ? "identity mismatch" : "awaiting approval" })),
        )}
        <div className="space-y-1">
          <Label htmlFor="filter-size" className="text-xs text-slate-600">
            Per page
          </Label>
          <FilterSelect
            id="filter-size"
            name="size"
            defaultValue={params.size ?? String(DEFAULT_HOST_PAGE_SIZE)}
            applied={params.size ?? String(DEFAULT_HOST_PAGE_SIZE)}
            onApply={onApply}
            containerClassName="w-24"
          >
            {HOST_PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </FilterSelect>
        </div>
        {hasFilters(params) && (
          <Button asChild variant="ghost" size="sm" className="mb-0.5">
            <Link href={hostsHref({ sort: params.sort, dir: params.dir, size: params.size })}>Clear filters</Link>
          </Button>
        )}
      </div>
    </form>
  );
}
