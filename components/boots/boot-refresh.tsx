"use client";

import { useEffect } from "react";
import { useRouter } from "next/navigation";

/** While a boot is under way, re-reads the page every `seconds` (server data, client state kept). */
export function BootRefresh({ active, seconds = 10 }: { active: boolean; seconds?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, seconds * 1000);
    return () => clearInterval(id);
  }, [active, seconds, router]);
  return null;
}
