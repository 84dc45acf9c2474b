import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { goto, storageState, uid } from "./helpers";
import { createHostFleet, fixture, seedHosts, type HostFleet } from "./hosts-fleet";

// Host identity and secrets as people handle them on the host page (docs/security.md): a
// different TPM that booted as a host is flagged there and in the hosts table, an operator
// compares its fingerprint in the dialog and approves it; SSH host keys made and rotated (new
// fingerprints); a file that is not a keytab refused next to the field; viewers see, never act.
// The TPMs are written straight into the database (e2e/hosts-fixtures.ts identity): a real TPM's
// EK and AK (lib/tpm/__fixtures__) as the one that booted, from 10.0.0.99.

test.use({ storageState: storageState("admin") });

let fleet: HostFleet;
const REALM = "E2E.TEST";
const DOMAIN = "e2e.test";

test.beforeAll(async () => {
  fleet = await createHostFleet("identity");
});

/** A fresh host on TPM identity with a mismatch; its fingerprints (pinned, and the TPM that booted). */
function hostWithMismatch(first: number) {
  const [host] = seedHosts(fleet, `id-${uid()}`, 1, first);
  const fps = JSON.parse(fixture("identity", host!.name, REALM, DOMAIN)) as { pinned: string; candidate: string };
  return { name: host!.name, ...fps };
}

const card = (page: Page) => page.locator('section[id="identity"]');

test("a different TPM is flagged on the host page and in the hosts table; approved through the dialog with its fingerprint, it is pinned", async ({ page }) => {
  const h = hostWithMismatch(10);

  await goto(page, `/hosts?q=${h.name}`);
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: h.name, exact: true }) });
  await expect(row.getByTestId("identity-mismatch-marker")).toHaveText("identity mismatch");

  // the filter finds it too (and keeps the search)
  await page.getByRole("combobox", { name: "TPM identity", exact: true }).selectOption("mismatch");
  await expect(page).toHaveURL(new RegExp(`identity=mismatch`));
  await expect(row.getByTestId("identity-mismatch-marker")).toBeVisible();

  await row.getByTestId("identity-mismatch-marker").click();
  await expect(page).toHaveURL(new RegExp(`/hosts/${h.name}#identity$`));
  await expect(page.getByRole("navigation").getByRole("link", { name: "Identity and secrets" })).toBeVisible();
  const mismatch = card(page).getByTestId("identity-mismatch");
  await expect(mismatch).toContainText(`Identity mismatch. A different TPM (${h.candidate}) booted as this host from 10.0.0.99 at `);
  await expect(mismatch).toContainText("it got no secrets");
  await expect(card(page).getByTestId("tpm-pinned")).toHaveText(h.pinned);
  await expect(card(page).getByTestId("tpm-pinned-by")).toContainText("pinned on first use");

  // the dialog shows the fingerprint to compare; cancelled, nothing changes
  await card(page).getByRole("button", { name: "Approve…" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog.getByRole("heading")).toHaveText(`Approve the TPM of host ${h.name}?`);
  await expect(dialog.getByTestId("approve-fingerprint")).toHaveText(h.candidate);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(mismatch).toBeVisible();

  // approved: the new TPM is pinned, by this admin; no mismatch on the page or in the table
  await card(page).getByRole("button", { name: "Approve…" }).click();
  await dialog.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(card(page).getByTestId("tpm-pinned")).toHaveText(h.candidate);
  await expect(card(page).getByTestId("tpm-pinned-by")).toContainText("approved by e2e-admin at ");
  await expect(card(page).getByTestId("identity-mismatch")).toHaveCount(0);
  await expect(card(page).getByRole("button", { name: "Approve…" })).toHaveCount(0);

  await goto(page, `/hosts?q=${h.name}`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId("identity-mismatch-marker")).toHaveCount(0);
  await goto(page, `/hosts?q=${h.name}&identity=mismatch`);
  await expect(page.getByRole("link", { name: h.name, exact: true })).toHaveCount(0);

  // audited, on the host's own trail
  await goto(page, `/hosts/${h.name}`);
  await expect(page.locator('[id="audit"]')).toContainText("identity.approve");
});

test("SSH host keys made, then rotated after a confirmation: new fingerprints, never a private key", async ({ page }) => {
  const h = hostWithMismatch(20);
  await goto(page, `/hosts/${h.name}#identity`);
  await expect(card(page).getByTestId("ssh-none")).toContainText("No SSH host keys yet");
  await card(page).getByRole("button", { name: "Create SSH host keys" }).click();
  const fingerprints = card(page).getByTestId("ssh-fingerprint");
  await expect(card(page).getByTestId("ssh-key").first()).toBeVisible();
  const before = await fingerprints.allTextContents();
  expect(before.length).toBeGreaterThan(0);
  for (const f of before) expect(f).toMatch(/^SHA256:/);

  await card(page).getByRole("button", { name: "Rotate SSH host keys…" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog.getByRole("heading")).toHaveText(`Rotate the SSH host keys of host ${h.name}?`);
  await expect(dialog).toContainText("known_hosts");
  await dialog.getByRole("button", { name: "Rotate", exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(fingerprints.first()).not.toHaveText(before[0]!);
  const after = await fingerprints.allTextContents();
  expect(after).toHaveLength(before.length);
  for (const f of after) expect(before).not.toContain(f);
  await expect(card(page).getByTestId("identity-answer")).toContainText(`New SSH host keys for ${h.name}`);

  expect(await page.content()).not.toContain("PRIVATE KEY");
  const known = await page.request.get("/api/v1/known-hosts");
  expect(known.status()).toBe(200);
  const text = await known.text();
  expect(text).toContain(`${h.name}.${DOMAIN}`);
  expect(text).not.toContain("PRIVATE KEY");
});

test("a file that is not a keytab is refused next to the field; one over 64 KiB is refused before it is sent", async ({ page }) => {
  const h = hostWithMismatch(30);
  await goto(page, `/hosts/${h.name}#identity`);
  await expect(card(page).getByTestId("keytab-none")).toContainText(`Its principal is host/${h.name}.${DOMAIN}@${REALM}`);
  const input = card(page).getByLabel("Keytab file");

  await input.setInputFiles({ name: "garbage.keytab", mimeType: "application/octet-stream", buffer: Buffer.from("this is not a keytab") });
  await card(page).getByRole("button", { name: "Upload" }).click();
  await expect(card(page).locator('[id="keytab-error"]')).toHaveText("not a keytab: an MIT keytab starts with the bytes 05 02");
  await expect(input).toHaveAttribute("aria-invalid", "true");
  await expect(card(page).getByTestId("keytab-none")).toBeVisible();
  // the card with a mismatch and a refusal at the field: no serious accessibility violation
  const axe = await new AxeBuilder({ page }).include('section[id="identity"]').withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);

  let sent = false;
  page.on("request", (r) => {
    if (r.method() === "PUT" && r.url().endsWith("/keytab")) sent = true;
  });
  await input.setInputFiles({ name: "huge.keytab", mimeType: "application/octet-stream", buffer: Buffer.alloc(64 * 1024 + 1, 5) });
  await expect(card(page).locator('[id="keytab-error"]')).toHaveCount(0); // a new choice clears the old refusal
  await card(page).getByRole("button", { name: "Upload" }).click();
  await expect(card(page).locator('[id="keytab-error"]')).toHaveText("huge.keytab is 65,537 bytes: a keytab is at most 64 KiB");
  expect(sent).toBe(false);
});

test.describe("as a viewer", () => {
  test.use({ storageState: storageState("viewer") });

  test("sees the mismatch and the fingerprints, and no action", async ({ page }) => {
    const h = hostWithMismatch(40);
    await goto(page, `/hosts/${h.name}#identity`);
    await expect(card(page).getByTestId("identity-mismatch")).toContainText(h.candidate);
    await expect(card(page).getByTestId("tpm-pinned")).toHaveText(h.pinned);
    await expect(card(page).getByTestId("keytab-none")).toContainText("an admin can upload a keytab");
    for (const name of ["Approve…", "Forget…", "Create SSH host keys", "Upload", "Create through kadmin…"])
      await expect(card(page).getByRole("button", { name })).toHaveCount(0);
    const refused = await page.request.post(`/api/v1/hosts/${h.name}/identity`, { data: { action: "approve", fingerprint: h.candidate } });
    expect(refused.status()).toBe(403);
  });
});
