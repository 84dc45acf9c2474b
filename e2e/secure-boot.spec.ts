import { expect, test, type Page } from "@playwright/test";
import { field, goto, networkData, storageState, uid } from "./helpers";

// Secure Boot as admins set and see it: a host with Secure Boot on is refused next to the field
// while its version's kernel is not marked signed; a version with a signed kernel lets it, and the
// host page says the boot chain it takes and where the setting comes from.

test.use({ storageState: storageState("operator") });

/** A network, a kAFS cell and a release in it with version 1 active (its kernel not marked signed), through the API. */
async function fixtures(page: Page) {
  const n = networkData("sb");
  const base = n.subnet.replace(/\.0\/24$/, "");
  const cell = `c-${uid()}.example.org`;
  const release = `sb-${uid()}`;
  const post = async (url: string, data: object) => {
    const res = await page.request.post(url, { data });
    expect(res.status(), await res.text()).toBe(201);
  };
  await post("/api/v1/networks", { ...n, dns: n.dns.split(", ") });
  await post("/api/v1/cells", {
    name: cell,
    client: "kafs",
    bootRoot: `/afs/${cell}/boot`,
    cacheMemcache: true,
    cacheBlocks: 65536,
    servers: [{ name: `db.${cell}`, ip: `${base}.5` }],
  });
  await post("/api/v1/releases", { name: release, tree: `/afs/${cell}/boot/debian/12` });
  const version = { kernel: "vmlinuz-6.1.0-28-amd64", baseInitrd: "initrd.img-6.1.0-28-amd64", modules: [], readonly: ["usr"], writable: ["etc"] };
  await post(`/api/v1/releases/${release}/versions?activate=true`, { ...version, version: "1" });
  const mac = `52:54:00:${[1, 2, 3]
    .map(() =>
      Math.floor(Math.random() * 256)
        .toString(16)
        .padStart(2, "0"),
    )
    .join(":")}`;
  const host = { name: `sb-${uid()}`, mac, ip: `${base}.20`, cell, release };
  await post("/api/v1/hosts", host);
  return { network: n.name, release, host };
}

const secureBoot = (page: Page) => page.getByRole("combobox", { name: "Secure Boot", exact: true });

test("Secure Boot: refused next to the field until the version's kernel is marked signed, then the host page shows the shim → GRUB chain", async ({ page }) => {
  const { network, release, host } = await fixtures(page);
  const grubCfg = `grub/01-${host.mac.replace(/:/g, "-")}.cfg`;

  // the host page: iPXE, Secure Boot off as the network says
  await goto(page, `/hosts/${host.name}`);
  await expect(page.getByTestId("boot-chain")).toHaveText(`PXE/UEFI: iPXE (boot.ipxe → ipxe/01-${host.mac.replace(/:/g, "-")}.ipxe) → kernel`);
  await expect(page.getByTestId("secure-boot")).toHaveText(`off, inherited from network ${network}`);
  await expect(secureBoot(page)).toHaveValue("");
  await expect(secureBoot(page).locator("option").first()).toHaveText("Network default (off)");

  // Secure Boot on, with version 1's kernel not marked signed: refused next to the field, nothing saved
  await secureBoot(page).selectOption("On");
  await page.getByRole("button", { name: "Save changes" }).click();
  const refusal = `Secure Boot needs a signed kernel: release ${release} version 1 has no kernel marked signed (a version is marked while it is a draft: make a new version with \"Signed kernel\" and activate it), or turn Secure Boot off for this host`;
  await expect(page.locator("#secureBoot-error")).toHaveText(refusal);
  await expect(secureBoot(page)).toHaveAttribute("aria-invalid", "true");
  await expect(secureBoot(page)).toHaveValue("true"); // what was sent, kept for another try
  await expect(page.getByTestId("boot-chain")).toContainText("PXE/UEFI: iPXE");

  // version 2 with its kernel marked signed, then activated: the host follows the release to it
  await goto(page, `/releases/${release}/versions/new`);
  await field(page, "Kernel").fill("vmlinuz-6.1.0-29-amd64");
  await field(page, "Base initrd").fill("initrd.img-6.1.0-29-amd64");
  const signedKernel = page.getByRole("checkbox", { name: "Signed kernel" });
  await expect(signedKernel).not.toBeChecked();
  await expect(signedKernel).toHaveAccessibleDescription(/signed by a key shim trusts/);
  await signedKernel.check();
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(new RegExp(`/releases/${release}/versions/2(\\?|$)`));
  await expect(page.getByRole("checkbox", { name: "Signed kernel" })).toBeChecked();
  await expect(page.getByRole("checkbox", { name: "Signed modules" })).not.toBeChecked();
  await page.getByRole("button", { name: "Activate" }).click();
  const confirm = page.getByRole("alertdialog");
  await confirm.getByRole("button", { name: "Activate", exact: true }).click();
  await expect(confirm).toHaveCount(0);
  // active: immutable, its settings as read-only rows
  await expect(page.getByText("yes: Secure Boot hosts may boot it")).toBeVisible();
  await expect(page.getByText("no: not for Secure Boot hosts on OpenAFS cells")).toBeVisible();

  // now Secure Boot on saves, and the host page says the chain it takes
  await goto(page, `/hosts/${host.name}`);
  await secureBoot(page).selectOption("On");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(`Saved host ${host.name}`)).toBeVisible();
  await expect(page.getByTestId("boot-chain")).toHaveText(`UEFI Secure Boot: shim → GRUB (${grubCfg}) → signed kernel`);
  await expect(page.getByTestId("secure-boot")).toHaveText(`on, the host's own setting (network ${network}: off)`);
  await expect(page.getByTestId("assigned-version")).toContainText(`${release}@2`);
  await expect(secureBoot(page)).toHaveValue("true");
  await expect(page.locator("#secureBoot-error")).toHaveCount(0);

  // the hosts table marks it
  await goto(page, `/hosts?q=${host.name}`);
  await expect(
    page
      .getByRole("row")
      .filter({ has: page.getByRole("link", { name: host.name, exact: true }) })
      .getByText("Secure Boot"),
  ).toHaveAttribute("title", "UEFI Secure Boot: the host's own setting");
});
