"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { Toaster } from "sonner";
import { z } from "zod";

// Schemas shared with the server (the hosts table's query) also parse in the browser. Zod probes
// for eval support with `new Function` the first time, which the pages' Content-Security-Policy
// refuses and reports as a violation: in the browser it runs without eval from the start.
if (typeof window !== "undefined") z.config({ jitless: true });

// One QueryClient per browser session (created once in state, never shared between requests).
export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, refetchOnWindowFocus: true } } }));
  // Marks the page as hydrated: from now on clicks and changes reach React's handlers. (Before,
  // the server's HTML already shows the controls; a click on one of them would do nothing.) The
  // end-to-end tests wait for this mark after every page load.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <QueryClientProvider client={client}>
      {children}
      <Toaster richColors position="bottom-right" closeButton />
    </QueryClientProvider>
  );
}
