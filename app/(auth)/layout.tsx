import type { ReactNode } from "react";
import { HardDrive } from "lucide-react";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm space-y-6">
        <div className="flex items-center justify-center gap-2 text-slate-900">
          <HardDrive className="h-7 w-7 text-blue-600" aria-hidden />
          <span className="text-2xl font-semibold tracking-tight">AFSBoot</span>
        </div>
        {children}
      </div>
    </main>
  );
}
