import { apiRoute } from "@/lib/api/handler";
import { fleetStatus } from "@/lib/data/fleet-status";

/** The live dashboard's numbers: hosts by state, booting now, recent failures, boot durations per release. */
export const GET = apiRoute({ role: "viewer" }, ({ actor }) => fleetStatus(actor));
