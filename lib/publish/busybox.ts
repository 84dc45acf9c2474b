import { env } from "@/lib/env";
import { invalid } from "@/lib/errors";
import { readCached } from "./file-cache";

/**
 * The static busybox every overlay initrd carries: AFSBOOT_BUSYBOX, else /bin/busybox. Read once
 * and again only when the file changes; a missing one is a 422 that says how to get it.
 */
export function readBusybox(file = env().AFSBOOT_BUSYBOX): Buffer {
  try {
    return readCached(file);
  } catch {
    throw invalid(`cannot read the static busybox at ${file} (apt-get install busybox-static, or set AFSBOOT_BUSYBOX)`);
  }
}
