// MAC addresses as admins paste them, in one stored form: lower-case, colon-separated.

const HEX12 = /^[0-9a-f]{12}$/;

/**
 * Accepts aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff and aabbccddeeff.
 * Returns the normal form, or null. Mixed separators are refused.
 */
export function normalizeMac(text: string): string | null {
  const t = text.trim().toLowerCase();
  let hex: string | null = null;
  if (/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(t) || /^([0-9a-f]{2}-){5}[0-9a-f]{2}$/.test(t)) hex = t.replace(/[:-]/g, "");
  else if (/^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/.test(t)) hex = t.replace(/\./g, "");
  else if (HEX12.test(t)) hex = t;
  if (!hex) return null;
  return hex.match(/../g)!.join(":");
}

/** Multicast MACs (lowest bit of the first octet) are never a host's NIC. */
export function isMulticastMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** pxelinux.cfg file name: 01-aa-bb-cc-dd-ee-ff (ARP type 1 = Ethernet). */
export function pxelinuxName(mac: string): string {
  return `01-${mac.replace(/:/g, "-")}`;
}
