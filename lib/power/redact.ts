/** A driver's message with every secret in it masked: a BMC may echo what it was sent. */
export function redact(message: string, ...secrets: (string | null | undefined)[]): string {
  return secrets.reduce<string>((m, s) => (s ? m.split(s).join("***") : m), message);
}
