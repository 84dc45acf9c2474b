"use client";

import { useEffect } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { toast } from "sonner";

/** After a create that redirects here with ?saved=1: say so once, then drop the flag from the URL. */
export function SavedToast({ message }: { message: string }) {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  useEffect(() => {
    if (params.get("saved") !== "1") return;
    toast.success(message);
    router.replace(pathname);
  }, [params, router, pathname, message]);
  return null;
}
