import { order, type Stage } from "@/lib/boot/stages";
import { cn } from "@/lib/utils";

/** The stages a boot passes through, from the PXE ROM to a running system. */
export const BOOT_PATH: readonly Stage[] = ["pxe", "dhcp", "initrd", "network", "afs", "root", "switch", "up"];

/**
 * Where a boot is: one small segment per stage, the reached ones filled (amber when the boot has
 * stalled), with the stage named in text beside it.
 */
export function StageProgress({ stage, stalled = false }: { stage: Stage; stalled?: boolean }) {
  const at = BOOT_PATH.indexOf(stage);
  const reached = (s: Stage) => order(s) <= order(stage);
  return (
    <span className="inline-flex items-center gap-2" data-testid="stage-progress">
      <span role="img" aria-label={at >= 0 ? `stage ${at + 1} of ${BOOT_PATH.length}` : `stage ${stage}`} className="inline-flex gap-0.5">
        {BOOT_PATH.map((s) => (
          <span
            key={s}
            title={s}
            className={cn(
              "h-2.5 w-3 rounded-sm border",
              reached(s) ? (stalled ? "border-amber-600 bg-amber-500" : "border-blue-700 bg-blue-600") : "border-slate-300 bg-white",
            )}
          />
        ))}
      </span>
      <span className="font-mono text-xs">{stage}</span>
    </span>
  );
}
