import { apiRoute } from "@/lib/api/handler";
import { hostBootFiles } from "@/lib/data/boot-files";
import { AppError, notFound } from "@/lib/errors";

const KEYS = ["grub", "pxelinux", "ipxe", "dhcpd", "kea", "dnsmasq"];

/** One of the host's boot files, as a download. */
export const GET = apiRoute({ role: "viewer" }, async ({ actor, params }) => {
  const key = String(params.key);
  if (!KEYS.includes(key)) throw notFound(`no boot file ${key}: one of ${KEYS.join(", ")}`);
  const files = await hostBootFiles(actor, String(params.name));
  if (!files.ready) throw new AppError(409, "not_ready", `host ${String(params.name)} has no boot files: ${files.reason}`);
  // a host without Secure Boot has no GRUB config
  const f = files.files.find((x) => x.key === key);
  if (!f) throw notFound(`host ${String(params.name)} has no ${key} boot file`);
  return new Response(f.content, {
    headers: {
      "content-type": key === "kea" ? "application/json; charset=utf-8" : "text/plain; charset=utf-8",
      "content-disposition": `attachment; filename="${f.filename}"`,
      "cache-control": "no-store",
    },
  });
});
