// Hostnames as RFC 1123 labels: they end up in DHCP configs, file names and shell scripts, so
// nothing else gets through (no dots: the domain comes from the network).

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function hostnameProblem(name: string): string | null {
  if (name.length === 0) return "is required";
  if (name.length > 63) return "must be at most 63 characters";
  if (/[\s'"`$;&|<>\\(){}*?!#~]/.test(name)) return "must not contain spaces, quotes or shell metacharacters";
  if (name !== name.toLowerCase()) return "must be lower-case";
  if (!LABEL.test(name)) return "must be an RFC 1123 name: letters, digits and '-', not starting or ending with '-'";
  return null;
}
