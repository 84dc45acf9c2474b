import { describe, expect, it } from "vitest";
import { stepsSelect } from "./keyboard";

describe("stepsSelect", () => {
  it.each(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown", "b", "B", "7", "é"])("%s steps a closed select", (key) => {
    expect(stepsSelect({ key })).toBe(true);
  });

  it.each(["Enter", " ", "Escape", "Tab", "F4", "Shift", "Backspace"])("%j does not", (key) => {
    expect(stepsSelect({ key })).toBe(false);
  });

  it("Alt+ArrowDown opens the list, and shortcuts are not type-ahead", () => {
    expect(stepsSelect({ key: "ArrowDown", altKey: true })).toBe(false);
    expect(stepsSelect({ key: "r", ctrlKey: true })).toBe(false);
    expect(stepsSelect({ key: "l", metaKey: true })).toBe(false);
  });
});
