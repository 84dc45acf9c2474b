import { Activity, FileCog, HardDrive, LayoutDashboard, Layers, Network, Rocket, ScrollText, Server, Settings, type LucideIcon } from "lucide-react";

export interface NavItem {
  href: string;
  label: string;
  icon: LucideIcon;
}

/** A count beside a navigation item (unpublished changes beside Publications), keyed by the item's href. */
export interface NavBadge {
  count: number;
  /** what the count means, read out by screen readers: "3 unpublished changes" */
  label: string;
}

export const NAV: NavItem[] = [
  { href: "/", label: "Dashboard", icon: LayoutDashboard },
  { href: "/hosts", label: "Hosts", icon: HardDrive },
  { href: "/cells", label: "Cells", icon: Server },
  { href: "/releases", label: "Releases", icon: Layers },
  { href: "/rollouts", label: "Rollouts", icon: Rocket },
  { href: "/networks", label: "Networks", icon: Network },
  { href: "/boots", label: "Boots", icon: Activity },
  { href: "/publications", label: "Publications", icon: FileCog },
  { href: "/audit", label: "Audit log", icon: ScrollText },
  { href: "/settings", label: "Users & settings", icon: Settings },
];

export function isActive(pathname: string, href: string): boolean {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}
