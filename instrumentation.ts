// Runs once when the console's server starts: background jobs of the Node.js runtime.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.AFSBOOT_NO_JOBS !== "1") {
    const { startRetention } = await import("@/lib/data/boot-retention");
    startRetention();
  }
}
