import "server-only";
import { TokenBuckets } from "@/lib/auth/rate-limit";
import { plainAddress } from "@/lib/api/client-address";
import { reportFetch } from "@/lib/data/boot-ingest";
import { hostByMac } from "@/lib/data/boot-reporters";

// Who may fetch what under /boot/ (docs/boot-status.md "Who can read a host's boot files").
// Everything there is public except a host's own boot config (ipxe/01-<mac>.ipxe,
// pxelinux.cfg/01-<mac>, grub/01-<mac>.cfg): it carries the host's report token, so it goes only to the address the
// host is reserved at, as a boot server's TFTP would see the request. Anyone else, and any MAC
// nobody enrolled, gets the 404 of a path that does not exist: the answer does not tell enrolled
// MACs from others. Serving a host its own script is the pxe stage of its next boot, recorded at
// most once per host in PXE_FETCH_SECONDS however often it is fetched.

const PER_HOST =
  /^(?:ipxe\/01-((?:[0-9a-f]{2}-){5}[0-9a-f]{2})\.ipxe|pxelinux\.cfg\/01-((?:[0-9a-f]{2}-){5}[0-9a-f]{2})|grub\/01-((?:[0-9a-f]{2}-){5}[0-9a-f]{2})\.cfg)$/;

/** The MAC (aa:bb:…) whose own boot config `rel` (a path inside the export directory, `/`-separated) is, if it is one. */
export function perHostMac(rel: string): string | null {
  const m = PER_HOST.exec(rel);
  const hex = m?.[1] ?? m?.[2] ?? m?.[3];
  return hex ? hex.replace(/-/g, ":") : null;
}

/** Whether `from` (clientAddress) may read the boot config of `mac`: an enrolled host, asking from its reserved address. */
export async function mayReadHostFile(mac: string, from: string): Promise<boolean> {
  const host = await hostByMac(mac);
  return !!host && plainAddress(from) === host.ip;
}

export const PXE_FETCH_SECONDS = 30;
const pxeFetches = ((globalThis as Record<symbol, unknown>)[Symbol.for("afsboot.pxeFetches")] ??= new TokenBuckets(1, 1 / PXE_FETCH_SECONDS)) as TokenBuckets;

/** A host fetched its own iPXE script: its pxe stage, unless one was recorded in the last PXE_FETCH_SECONDS. */
export function ownScriptFetched(mac: string, from: string, what: string): void {
  if (pxeFetches.take(mac)) reportFetch(mac, plainAddress(from), what);
}
