// Runs once when the console's server starts (Node.js runtime): background jobs (boot history
// pruning, the rollout driver), and the boot
// report door (lib/api/report-door.ts) and the client-address rule handed to the console server's fast path (bin/afsboot-server.mjs), so both
// doors to POST /api/v1/boot-events run the same compiled code in the same process.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { serveReport } = await import("@/lib/api/report-door");
  const { addressFromHops } = await import("@/lib/api/client-address");
  (globalThis as Record<symbol, unknown>)[Symbol.for("afsboot.serveReport")] = serveReport;
  (globalThis as Record<symbol, unknown>)[Symbol.for("afsboot.addressFromHops")] = addressFromHops;
  const { env } = await import("@/lib/env");
  if (!env().AFSBOOT_NO_JOBS) {
    const { startRetention } = await import("@/lib/data/boot-retention");
    startRetention();
    const { startRolloutTicker } = await import("@/lib/data/rollout-ticker");
    startRolloutTicker();
  }
}
