import { expect, test, type Locator, type Page } from "@playwright/test";
import { goto, storageState, uid } from "./helpers";
import { createHostFleet, seedHosts, type HostFleet } from "./hosts-fleet";

// Keyboard only: every control shows where the focus is, a dialog gives the focus back to the
// button that opened it, and stepping through a filter with the arrow keys loads nothing until
// the choice is made.

test.use({ storageState: storageState("operator") });

let fleet: HostFleet;

test.beforeAll(async () => {
  fleet = await createHostFleet("kbd");
});

/** Moves the focus onto `target` with the keyboard (Shift+Tab away, Tab back), as a person would. */
async function tabTo(page: Page, target: Locator) {
  await target.focus();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab");
  await expect(target).toBeFocused();
}

/** What the focused element draws around itself: an outline or a ring (box-shadow). */
function focusIndicator(target: Locator) {
  return target.evaluate((el) => {
    const s = getComputedStyle(el);
    return {
      focusVisible: el.matches(":focus-visible"),
      drawn: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none",
    };
  });
}

test("table links, checkboxes and sort headers show a focus ring when reached with the keyboard", async ({ page }) => {
  const prefix = `kf-${uid()}`;
  seedHosts(fleet, prefix, 2, 10);
  await goto(page, `/hosts?q=${prefix}`);
  const targets = {
    "sort header": page.getByRole("link", { name: "Hostname" }),
    "select-all checkbox": page.getByRole("checkbox", { name: "Select all hosts on this page" }),
    "row checkbox": page.getByRole("checkbox", { name: `Select ${prefix}-01` }),
    "host link": page.getByRole("link", { name: `${prefix}-01`, exact: true }),
  };
  for (const [what, target] of Object.entries(targets)) {
    await tabTo(page, target);
    expect(await focusIndicator(target), what).toEqual({ focusVisible: true, drawn: true });
  }
});

test("arrow keys on a filter select move the choice without loading anything; Enter applies it, Escape takes it back", async ({ page }) => {
  const prefix = `ka-${uid()}`;
  seedHosts(fleet, prefix, 1, 20);
  await goto(page, `/hosts?q=${prefix}`);
  // the views of a boot state the page loads (links the page prefetches have none)
  const loaded: string[] = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.pathname === "/hosts" && url.searchParams.has("state")) loaded.push(url.searchParams.get("state")!);
  });
  const state = () => page.getByRole("combobox", { name: "Boot state", exact: true });

  await state().focus();
  await page.keyboard.press("ArrowDown");
  await expect(state()).toHaveValue("up");
  await page.keyboard.press("ArrowDown");
  await expect(state()).toHaveValue("booting");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/[?&]state=booting(&|$)/);
  await expect(page.getByText("No host matches")).toBeVisible();
  // the chosen state loaded, the steps on the way did not
  expect(new Set(loaded)).toEqual(new Set(["booting"]));
  // and the focus stays on the select, ready for the next choice
  await expect(state()).toBeFocused();

  // Escape takes a choice back before it is applied
  await page.keyboard.press("ArrowDown");
  await expect(state()).toHaveValue("failed");
  await page.keyboard.press("Escape");
  await expect(state()).toHaveValue("booting");
  expect(new Set(loaded)).toEqual(new Set(["booting"]));
});

/** Opens `opener`'s dialog with Enter, closes it with `close`: the focus is back on `opener`. */
async function focusComesBack(page: Page, opener: Locator, close: "Escape" | "Cancel") {
  const dialog = page.getByRole("alertdialog");
  await tabTo(page, opener);
  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  if (close === "Cancel") await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused(); // its first control
  await page.keyboard.press(close === "Escape" ? "Escape" : "Enter");
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
}

test("a dialog gives the focus back to the button that opened it", async ({ page }) => {
  const prefix = `kd-${uid()}`;
  seedHosts(fleet, prefix, 1, 30);

  // the bulk delete of the hosts table
  await goto(page, `/hosts?q=${prefix}`);
  await page.getByRole("checkbox", { name: `Select ${prefix}-01` }).check();
  const bulkDelete = page.getByRole("region", { name: "Bulk actions" }).getByRole("button", { name: "Delete…" });
  await focusComesBack(page, bulkDelete, "Escape");
  await focusComesBack(page, bulkDelete, "Cancel");

  // a delete confirmation of a detail page
  await goto(page, `/hosts/${prefix}-01`);
  await focusComesBack(page, page.getByRole("main").getByRole("button", { name: "Delete", exact: true }), "Escape");
});
