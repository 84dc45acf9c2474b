import { apiRoute } from "@/lib/api/handler";
import { knownHosts } from "@/lib/data/host-secrets";

/** ssh_known_hosts for the fleet, as text/plain: every host with SSH host keys under its name, FQDN and address (viewer). */
export const GET = apiRoute(
  { role: "viewer" },
  async ({ actor }) =>
    new Response(await knownHosts(actor), {
      headers: { "content-type": "text/plain; charset=utf-8", "content-disposition": 'inline; filename="ssh_known_hosts"', "cache-control": "no-store" },
    }),
);
