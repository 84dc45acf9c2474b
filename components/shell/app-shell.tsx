"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState, type ReactNode } from "react";
import { HardDrive, LogOut, Menu, X } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";
import { NAV, isActive, type NavBadge } from "./nav";

interface Props {
  user: { name: string; role: string };
  /** counts shown beside navigation items, by href */
  badges?: Partial<Record<string, NavBadge>>;
  signOut: () => Promise<void>;
  children: ReactNode;
}

export function AppShell({ user, badges, signOut, children }: Props) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  return (
    <div className="min-h-screen lg:grid lg:grid-cols-[15rem_1fr]">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <aside
        className={cn(
          "fixed inset-y-0 left-0 z-40 w-60 border-r border-slate-200 bg-white transition-transform lg:static lg:translate-x-0",
          open ? "translate-x-0" : "-translate-x-full",
        )}
      >
        <div className="flex h-14 items-center justify-between gap-2 border-b border-slate-200 px-4">
          <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
            <HardDrive className="h-5 w-5 text-blue-600" aria-hidden />
            AFSBoot
          </Link>
          <Button variant="ghost" size="icon" className="lg:hidden" onClick={() => setOpen(false)} aria-label="Close navigation">
            <X className="h-4 w-4" />
          </Button>
        </div>
        <nav aria-label="Main" className="space-y-0.5 p-2">
          {NAV.map((item) => {
            const active = isActive(pathname, item.href);
            const badge = badges?.[item.href];
            const badgeId = `nav-badge${item.href.replace(/[^a-z0-9]+/gi, "-")}`;
            const shown = badge && badge.count > 0;
            return (
              // the badge sits beside the link, not in it: the link's name stays its label
              <div key={item.href} className="relative">
                <Link
                  href={item.href}
                  onClick={() => setOpen(false)}
                  aria-current={active ? "page" : undefined}
                  aria-describedby={shown ? badgeId : undefined}
                  className={cn(
                    "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium focus-visible:ring-2 focus-visible:ring-blue-500",
                    active ? "bg-blue-50 text-blue-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
                    shown && "pr-14",
                  )}
                >
                  <item.icon className="h-4 w-4" aria-hidden />
                  {item.label}
                </Link>
                {shown && (
                  <span
                    id={badgeId}
                    role="img"
                    aria-label={badge.label}
                    title={badge.label}
                    className="pointer-events-none absolute right-3 top-1/2 min-w-5 -translate-y-1/2 rounded-full bg-blue-600 px-1.5 text-center text-[11px] font-semibold leading-5 tabular-nums text-white"
                  >
                    {badge.count > 99 ? "99+" : badge.count}
                  </span>
                )}
              </div>
            );
          })}
        </nav>
      </aside>
      {open && <div className="fixed inset-0 z-30 bg-slate-900/30 lg:hidden" onClick={() => setOpen(false)} aria-hidden />}
      <div className="flex min-w-0 flex-col">
        <header className="sticky top-0 z-20 flex h-14 items-center gap-3 border-b border-slate-200 bg-white/90 px-4 backdrop-blur">
          <Button variant="ghost" size="icon" className="lg:hidden" onClick={() => setOpen(true)} aria-label="Open navigation">
            <Menu className="h-4 w-4" />
          </Button>
          <div className="ml-auto flex items-center gap-3 text-sm">
            <Link
              href="/settings/account"
              className="text-slate-700 underline-offset-2 hover:underline focus-visible:underline"
              data-testid="current-user"
              title="Your account"
            >
              {user.name}
            </Link>
            <Badge variant="secondary" data-testid="current-role">
              {user.role}
            </Badge>
            <form action={signOut}>
              <Button type="submit" variant="ghost" size="sm">
                <LogOut className="mr-1.5 h-4 w-4" aria-hidden />
                Sign out
              </Button>
            </form>
          </div>
        </header>
        <main id="main" className="mx-auto w-full max-w-7xl flex-1 px-4 py-6 lg:px-8">
          {children}
        </main>
      </div>
    </div>
  );
}
