import { plural } from "@/lib/plural";
// How a rollout splits its hosts into waves. Pure: the preview, the start and the tests ask it
// the same way, and the same hosts and settings always give the same waves.

/** The size of the waves after the canary: a number of hosts, or a percentage of all the rollout's hosts. */
export type WaveSize = { count: number } | { percent: number };

export interface WavePlanSpec {
  /** hosts in the canary wave (wave 0); 0: no canary, the first wave is an ordinary one */
  canary: number;
  wave: WaveSize;
}

/** Hosts per later wave: a count as given, a percentage of all hosts rounded up (at least 1). */
export function waveHostCount(total: number, wave: WaveSize): number {
  if ("count" in wave) return wave.count;
  return Math.max(1, Math.ceil((total * wave.percent) / 100));
}

/** Names in a fixed order whatever the locale: by code unit, as the database's binary collation. */
export const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The waves, in order: the canary first (when canary > 0), then waves of the spec's size, the
 * last one holding what is left. Hosts in name order; each host in exactly one wave. The caller
 * validates the spec against the hosts (lib/validation/rollout.ts, waveProblem).
 */
export function planWaves(hostNames: readonly string[], spec: WavePlanSpec): string[][] {
  const names = [...new Set(hostNames)].sort(byName);
  const waves: string[][] = [];
  const canary = Math.min(spec.canary, names.length);
  if (canary > 0) waves.push(names.slice(0, canary));
  const size = waveHostCount(names.length, spec.wave);
  for (let i = canary; i < names.length; i += size) waves.push(names.slice(i, i + size));
  return waves;
}

/** What is wrong with a spec for this many hosts, in words (null: nothing). */
export function waveProblem(total: number, spec: WavePlanSpec): { field: "canary" | "wave"; message: string } | null {
  if (spec.canary > total) return { field: "canary", message: `The canary (${spec.canary}) is larger than the ${plural(total, "selected host")}` };
  if ("count" in spec.wave && spec.wave.count > total)
    return { field: "wave", message: `A wave of ${spec.wave.count} is larger than the ${plural(total, "selected host")}` };
  return null;
}

/** The wave's name in words: "the canary", or "wave N" counting from 1 after it. */
export function waveLabel(wave: number, canary: number): string {
  if (canary > 0 && wave === 0) return "Canary";
  return `Wave ${canary > 0 ? wave : wave + 1}`;
}
