// Which version a host that follows its release ("latest of tree", no pinned version) boots. Pure:
// the hosts table, the snapshot for publishing and the checks of changes all ask it the same way.

/** The version "latest of tree" means: the most recently activated active version. */
export function latestActive<V extends { status: string; version: string; activatedAt?: Date | null }>(versions: V[]): V | null {
  const active = versions.filter((v) => v.status === "active");
  if (active.length === 0) return null;
  return active.reduce((a, b) => ((b.activatedAt?.getTime() ?? 0) >= (a.activatedAt?.getTime() ?? 0) ? b : a));
}
