import { AppError } from "@/lib/errors";
import { DhcpGenerateError } from "@/lib/generate/dhcp/resolve";
import { PxeGenerateError } from "@/lib/generate/pxe/cmdline";

// The generators re-check their input and throw plain errors meant for a person ("overlay:
// invalid tree (not under /afs/cell/)…"): a host whose release tree is in another cell than the
// host, say. The publish page and the host page show those words instead of a generic failure.

/** The message a person should see for an expected failure of generating boot files, else null. */
export function generatorProblem(e: unknown): string | null {
  if (e instanceof AppError) return e.message;
  if (e instanceof PxeGenerateError || e instanceof DhcpGenerateError) return e.message;
  if (e instanceof Error && e.message.startsWith("overlay: ")) return e.message;
  return null;
}
