// Where this Playwright run lives. Each run gets its own port and its own folder
// (e2e/.tmp/<port>/: database, server secret, signed-in states), so two runs on one machine
// (two developers, or a developer and CI) never share or delete each other's state.
// The first evaluation (Playwright's main process) picks the port; workers inherit it.
process.env.E2E_PORT ??= String(3210 + (process.pid % 700));

export const E2E_PORT = Number(process.env.E2E_PORT);
export const E2E_DIR = `e2e/.tmp/${E2E_PORT}`;
export const E2E_DATABASE_URL = `file:./${E2E_DIR}/e2e.db`;
/** Kernels and base initrds for publications: outside the data directory (never an images source). */
export const E2E_IMAGES = `${E2E_DIR}-images`;
/** The command power driver's executables (AFSBOOT_POWER_DIR of the e2e server): power.spec.ts writes its fake PDU there. */
export const E2E_POWER_DIR = `${E2E_DIR}/power.d`;
