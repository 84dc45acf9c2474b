import Link from "next/link";
import { cn } from "@/lib/utils";

const TABS = [
  { href: "/settings/users", label: "Users", admin: true },
  { href: "/settings/tokens", label: "API tokens", admin: true },
  { href: "/settings/account", label: "Your account", admin: false },
];

/** The settings pages; users and API tokens are for admins only. */
export function SettingsTabs({ active, admin = true }: { active: string; admin?: boolean }) {
  return (
    <nav aria-label="Settings" className="flex gap-1 border-b border-slate-200">
      {TABS.filter((t) => admin || !t.admin).map((t) => (
        <Link
          key={t.href}
          href={t.href}
          aria-current={active === t.href ? "page" : undefined}
          className={cn(
            "-mb-px border-b-2 px-3 py-2 text-sm font-medium",
            active === t.href ? "border-blue-600 text-blue-700" : "border-transparent text-slate-600 hover:text-slate-900",
          )}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
