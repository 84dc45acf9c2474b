// Pure keyboard helpers for the console's controls (no DOM: tested directly).

/** The keys with which a closed <select> on Windows and Linux steps to another option at once. */
const STEP_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"]);

export interface KeyPress {
  key: string;
  altKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
}

/**
 * Whether this key, pressed on a closed <select>, changes its value as one step of browsing: an
 * arrow, Home/End, Page Up/Down, or a letter of type-ahead. Each such step fires `change`, so a
 * select that acts on `change` would act on every step. Not a step: Alt+arrow, Space, Enter and
 * F4 (they open the list, where a choice fires one `change` when it is made), Tab, Escape.
 */
export function stepsSelect({ key, altKey, ctrlKey, metaKey }: KeyPress): boolean {
  if (altKey || ctrlKey || metaKey) return false;
  if (STEP_KEYS.has(key)) return true;
  return [...key].length === 1 && key !== " ";
}
