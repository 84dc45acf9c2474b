import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { byName, planWaves, waveHostCount, waveLabel, waveProblem } from "./plan";

const names = (n: number) => Array.from({ length: n }, (_, i) => `node${String(i + 1).padStart(3, "0")}`);

describe("planWaves", () => {
  it("puts the canary first, then waves of a count, the last one holding the rest, by name", () => {
    expect(planWaves(["c", "a", "e", "b", "d"], { canary: 1, wave: { count: 2 } })).toEqual([["a"], ["b", "c"], ["d", "e"]]);
    expect(planWaves(names(7), { canary: 2, wave: { count: 3 } }).map((w) => w.length)).toEqual([2, 3, 2]);
  });

  it("reads a percentage of all the hosts, rounded up, at least one", () => {
    expect(waveHostCount(100, { percent: 10 })).toBe(10);
    expect(waveHostCount(95, { percent: 10 })).toBe(10);
    expect(waveHostCount(3, { percent: 1 })).toBe(1);
    expect(planWaves(names(20), { canary: 1, wave: { percent: 25 } }).map((w) => w.length)).toEqual([1, 5, 5, 5, 4]);
  });

  it("without a canary the first wave is an ordinary one", () => {
    expect(planWaves(names(4), { canary: 0, wave: { count: 2 } })).toEqual([names(4).slice(0, 2), names(4).slice(2)]);
    expect(waveLabel(0, 0)).toBe("Wave 1");
    expect(waveLabel(0, 1)).toBe("Canary");
    expect(waveLabel(2, 1)).toBe("Wave 2");
  });

  it("every host is in exactly one wave, the canary first and of its size, every later wave of the size but the last", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { minLength: 1, maxLength: 60 }),
        fc.nat(),
        fc.oneof(
          fc.integer({ min: 1, max: 100 }).map((p) => ({ percent: p })),
          fc.integer({ min: 1, max: 60 }).map((c) => ({ count: c })),
        ),
        (hosts, c, wave) => {
          const canary = c % (hosts.length + 1);
          if (waveProblem(hosts.length, { canary, wave })) return;
          const waves = planWaves(hosts, { canary, wave });
          expect(waves.flat()).toEqual([...hosts].sort(byName));
          expect(waves.every((w) => w.length > 0)).toBe(true);
          const later = canary > 0 ? waves.slice(1) : waves;
          if (canary > 0) expect(waves[0]).toHaveLength(canary);
          const size = waveHostCount(hosts.length, wave);
          later.slice(0, -1).forEach((w) => expect(w).toHaveLength(size));
          if (later.length) expect(later[later.length - 1]!.length).toBeLessThanOrEqual(size);
          // the same input gives the same waves, whatever order the hosts came in
          expect(planWaves([...hosts].reverse(), { canary, wave })).toEqual(waves);
        },
      ),
    );
  });

  it("names a canary or a wave larger than the hosts", () => {
    expect(waveProblem(3, { canary: 4, wave: { count: 1 } })).toMatchObject({ field: "canary" });
    expect(waveProblem(3, { canary: 1, wave: { count: 4 } })?.message).toBe("A wave of 4 is larger than the 3 selected hosts");
    expect(waveProblem(3, { canary: 3, wave: { count: 3 } })).toBeNull();
  });
});
