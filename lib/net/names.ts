// DNS-style names as used for AFS cells, domains and hostnames.

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A fully qualified DNS-style name: labels of a-z, 0-9 and '-', dot-separated, at least two labels. */
export function isDnsName(text: string, { minLabels = 2 } = {}): boolean {
  if (text.length === 0 || text.length > 253) return false;
  const labels = text.split(".");
  return labels.length >= minLabels && labels.every((l) => LABEL.test(l));
}

/** A single host label (node001). */
export function isHostLabel(text: string): boolean {
  return LABEL.test(text);
}
