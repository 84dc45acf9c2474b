"use client";

import { useState } from "react";
import Link from "next/link";
import { ArrowDown, ArrowUp, ArrowUpDown } from "lucide-react";
import type { HostChoices } from "@/lib/data/host-queries";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { sortHref, type HostParams, type HostSort } from "@/lib/validation/host-query";
import { BootStateBadge, RebootPendingBadge } from "./boot-state-badge";
import { BulkBar } from "./bulk-bar";
import { IdentityModeBadge } from "./identity-mode-badge";
import type { IdentityModeName } from "@/lib/boot/identity-mode";

export interface HostRow {
  name: string;
  mac: string;
  ip: string;
  network: string;
  cell: string;
  releaseRef: string;
  pinned: boolean;
  bootState: string;
  rebootPending: boolean;
  assignedVersion: string | null;
  /** release@version it last booted, assigned */
  bootedLabel: string | null;
  assignedLabel: string | null;
  /** boots with UEFI Secure Boot: its own setting, or its network's default; null: it does not */
  secureBoot: "own" | "network" | null;
  /** the identity mode it uses (its own or its network's) and where it comes from */
  identity: { mode: IdentityModeName; source: "own" | "network" };
  tags: string[];
  /** a different TPM booted as this host: it gets no secrets until an operator decides */
  identityMismatch?: boolean;
  updated: string;
}

interface Props {
  rows: HostRow[];
  total: number;
  params: HostParams;
  canEdit: boolean;
  choices: HostChoices;
  /** Shown in the body when no host matches. */
  emptyText: string;
}

function SortHead({ params, sort, children }: { params: HostParams; sort: HostSort; children: string }) {
  const active = (params.sort ?? "name") === sort;
  const dir = params.dir ?? "asc";
  const Icon = !active ? ArrowUpDown : dir === "asc" ? ArrowUp : ArrowDown;
  return (
    <TableHead aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : undefined}>
      <Link href={sortHref(params, sort)} className="inline-flex items-center gap-1 hover:text-slate-900" title={`Sort by ${children.toLowerCase()}`}>
        {children}
        <Icon className={active ? "size-3.5" : "size-3.5 text-slate-400"} aria-hidden="true" />
      </Link>
    </TableHead>
  );
}

export function HostTable({ rows, total, params, canEdit, choices, emptyText }: Props) {
  // The selection survives paging (the page keys this component by the filters, not the page).
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const onPage = rows.filter((r) => selected.has(r.name)).length;
  const allOnPage = rows.length > 0 && onPage === rows.length;

  const toggle = (name: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(name);
      else next.delete(name);
      return next;
    });
  const togglePage = (on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      for (const r of rows) {
        if (on) next.add(r.name);
        else next.delete(r.name);
      }
      return next;
    });

  return (
    <div className="space-y-3">
      {canEdit && selected.size > 0 && (
        <BulkBar
          selected={[...selected]}
          onPage={onPage}
          total={total}
          params={params}
          choices={choices}
          onSelect={(names) => setSelected(new Set(names))}
          onClear={() => setSelected(new Set())}
        />
      )}
      <Table>
        <TableHeader>
          <TableRow>
            {canEdit && (
              <TableHead className="w-8">
                <input
                  type="checkbox"
                  aria-label="Select all hosts on this page"
                  className="size-4 cursor-pointer accent-blue-600"
                  checked={allOnPage}
                  ref={(el) => {
                    if (el) el.indeterminate = onPage > 0 && !allOnPage;
                  }}
                  onChange={(e) => togglePage(e.target.checked)}
                  disabled={rows.length === 0}
                />
              </TableHead>
            )}
            <SortHead params={params} sort="name">
              Hostname
            </SortHead>
            {/* beside the name: what a person looks for first, on a phone without scrolling sideways */}
            <TableHead>Boot state</TableHead>
            <SortHead params={params} sort="mac">
              MAC
            </SortHead>
            <SortHead params={params} sort="ip">
              IP
            </SortHead>
            <TableHead>Network</TableHead>
            <SortHead params={params} sort="cell">
              Cell
            </SortHead>
            <SortHead params={params} sort="release">
              Release
            </SortHead>
            <TableHead>Tags</TableHead>
            <SortHead params={params} sort="updated">
              Updated
            </SortHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((h) => (
            <TableRow key={h.name} data-state={selected.has(h.name) ? "selected" : undefined}>
              {canEdit && (
                <TableCell>
                  <input
                    type="checkbox"
                    aria-label={`Select ${h.name}`}
                    className="size-4 cursor-pointer accent-blue-600"
                    checked={selected.has(h.name)}
                    onChange={(e) => toggle(h.name, e.target.checked)}
                  />
                </TableCell>
              )}
              <TableCell className="whitespace-nowrap font-medium">
                <Link className="text-blue-700 hover:underline" href={`/hosts/${encodeURIComponent(h.name)}`}>
                  {h.name}
                </Link>
                {h.identityMismatch && (
                  <Link
                    href={`/hosts/${encodeURIComponent(h.name)}#identity`}
                    className="ml-1.5"
                    title="A different TPM booted as this host; it gets no secrets until an operator decides"
                  >
                    <Badge variant="danger" data-testid="identity-mismatch-marker">
                      identity mismatch
                    </Badge>
                  </Link>
                )}
              </TableCell>
              <TableCell>
                <div className="flex flex-wrap gap-1">
                  <BootStateBadge state={h.bootState} />
                  {h.rebootPending && (
                    <RebootPendingBadge title={`Last booted ${h.bootedLabel ?? "an unreported version"}, assigned ${h.assignedLabel ?? "no active version"}`} />
                  )}
                </div>
              </TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{h.mac}</TableCell>
              <TableCell className="whitespace-nowrap font-mono text-xs">{h.ip}</TableCell>
              <TableCell>{h.network}</TableCell>
              <TableCell>{h.cell}</TableCell>
              <TableCell
                className="whitespace-nowrap font-mono text-xs"
                title={h.pinned ? "Pinned version" : `Latest active version${h.assignedVersion ? ` (now ${h.assignedVersion})` : ""}`}
              >
                {h.releaseRef}
                {h.secureBoot && (
                  <Badge
                    variant="secondary"
                    className="ml-1.5 font-sans"
                    title={h.secureBoot === "own" ? "UEFI Secure Boot: the host's own setting" : `UEFI Secure Boot: network ${h.network}'s default`}
                  >
                    Secure Boot
                  </Badge>
                )}
                <IdentityModeBadge
                  mode={h.identity.mode}
                  source={h.identity.source === "own" ? "the host's own setting" : `network ${h.network}'s default`}
                  className="ml-1.5 font-sans"
                />
              </TableCell>
              <TableCell>
                <div className="flex flex-wrap gap-1">
                  {h.tags.map((t) => (
                    <Badge key={t} variant="secondary">
                      {t}
                    </Badge>
                  ))}
                </div>
              </TableCell>
              <TableCell className="whitespace-nowrap text-xs text-slate-600">{h.updated}</TableCell>
            </TableRow>
          ))}
          {rows.length === 0 && (
            <TableRow>
              <TableCell colSpan={canEdit ? 10 : 9} className="py-8 text-center text-slate-500">
                {emptyText}
              </TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
    </div>
  );
}
