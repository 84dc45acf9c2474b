"use client";

import { useEffect } from "react";
import { Button } from "@/components/ui/button";

// Unexpected failures: a generic message here, the details in the server log.
export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div className="mx-auto max-w-lg space-y-3 rounded-lg border border-red-200 bg-red-50 p-6">
      <h2 className="text-lg font-semibold text-red-800">Something went wrong</h2>
      <p className="text-sm text-red-700">
        The console could not show this page. Nothing was changed. The server log has the details
        {error.digest ? ` (reference ${error.digest})` : ""}.
      </p>
      <Button variant="outline" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}
