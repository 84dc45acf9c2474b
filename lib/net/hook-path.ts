// The DHCP event hook's path on the DHCP server (a network's dhcpEventHook): checked at the edge
// (lib/validation/network.ts) and again by the generators (lib/generate/dhcp/resolve.ts), which
// write it bare into the dnsmasq conf, where whitespace, quotes, ',' and '#' would change its
// meaning, and quoted into the Kea and dhcpd configs.

export const MAX_HOOK_PATH = 255;

/** What is wrong with `p` as a hook path ("must …"), or null; the length is checked apart. */
export function hookPathProblem(p: string): string | null {
  if (!p.startsWith("/")) return "must be an absolute path on the DHCP server, like /usr/local/sbin/afsboot-dhcp-event";
  if (/\s/.test(p)) return "must not contain whitespace";
  if (/[\x00-\x1f\x7f]/.test(p)) return "must not contain control characters";
  if (/['"`]/.test(p)) return "must not contain quotes";
  if (p.includes(",")) return "must not contain commas (dnsmasq reads them as separators)";
  if (!/^[A-Za-z0-9._/+-]+$/.test(p)) return "may contain only letters, digits and . _ / + -";
  if (p.split("/").includes("..")) return "must not contain '..' segments";
  if (p.endsWith("/")) return "must name the script, not a directory (no '/' at the end)";
  return null;
}

/** What is wrong with `dir` as Kea's hook library directory (AFSBOOT_KEA_HOOKS_DIR), or null. */
export function hooksDirProblem(dir: string): string | null {
  if (!/^\/[A-Za-z0-9._+/-]*$/.test(dir)) return "must be an absolute path of letters, digits and . _ + / -, like /usr/lib64/kea/hooks";
  if (dir.split("/").includes("..")) return "must not contain '..'";
  return null;
}
