"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction } from "@/lib/actions";
import { copyVersion, createRelease, createVersion, deleteRelease, deleteVersion, setVersionStatus, updateRelease, updateVersion } from "@/lib/data/releases";
import { AppError } from "@/lib/errors";
import { releaseInput, releaseUpdate, versionInput, versionLabel, versionUpdate } from "@/lib/validation/release";

const current = z.object({ current: z.string().min(1) });
const inRelease = z.object({ release: z.string().min(1) });
const versionRef = z.object({ release: z.string().min(1), current: z.string().min(1) });

const releasePath = (name: string) => `/releases/${encodeURIComponent(name)}`;
const versionPath = (name: string, version: string) => `${releasePath(name)}/versions/${encodeURIComponent(version)}`;

/** The list, the release page and its version pages all show versions: refresh them together. */
function revalidateRelease(name: string) {
  revalidatePath("/releases");
  revalidatePath(releasePath(name), "layout");
}

// --- release trees ------------------------------------------------------------------------------

export const createReleaseAction = formAction({ role: "operator", schema: releaseInput }, async (actor, input) => {
  const row = await createRelease(actor, input);
  revalidatePath("/releases");
  redirect(`${releasePath(row!.name)}?saved=1`);
});

export const updateReleaseAction = formAction(
  { role: "operator", schema: z.intersection(releaseUpdate, current) },
  async (actor, { current: name, ...input }) => {
    const row = await updateRelease(actor, name, input);
    revalidateRelease(name);
    // Confirmed by the page's SavedToast (?saved=1): the page keys the form by revision.
    redirect(`${releasePath(row!.name)}?saved=1`);
  },
);

export const deleteReleaseAction = formAction({ role: "operator", schema: current }, async (actor, { current: name }) => {
  await deleteRelease(actor, name);
  revalidatePath("/releases");
  return { message: `Deleted release ${name}` };
});

// --- versions -----------------------------------------------------------------------------------

export const createVersionAction = formAction({ role: "operator", schema: z.intersection(versionInput, inRelease) }, async (actor, { release, ...input }) => {
  const row = await createVersion(actor, release, input);
  revalidateRelease(release);
  redirect(`${versionPath(release, row!.version)}?saved=1`);
});

/** Drafts only: the data layer refuses active and retired versions with a message saying so. */
export const updateVersionAction = formAction(
  { role: "operator", schema: z.intersection(versionUpdate, versionRef) },
  async (actor, { release, current: version, ...input }) => {
    const row = await updateVersion(actor, release, version, input);
    revalidateRelease(release);
    redirect(`${versionPath(release, row!.version)}?saved=1`);
  },
);

/** The number of following hosts the dialog said would move: the data layer refuses if it changed. */
const statusChange = versionRef.extend({ expectMoved: z.coerce.number().int().min(0).optional() });
const movedText = (n: number, to: string | null) => (n === 0 ? "" : `; ${n} following host(s) move to ${to ? `@${to}` : "no version"} at the next publication`);

export const activateVersionAction = formAction({ role: "operator", schema: statusChange }, async (actor, { release, current: version, expectMoved }) => {
  const { hostsMoved } = await setVersionStatus(actor, release, version, "active", { expectMoved });
  revalidateRelease(release);
  return { message: `Activated ${release}@${version}${movedText(hostsMoved.moved, hostsMoved.to)}` };
});

export const retireVersionAction = formAction({ role: "operator", schema: statusChange }, async (actor, { release, current: version, expectMoved }) => {
  const { hostsMoved } = await setVersionStatus(actor, release, version, "retired", { expectMoved });
  revalidateRelease(release);
  return { message: `Retired ${release}@${version}${movedText(hostsMoved.moved, hostsMoved.to)}` };
});

export const deleteVersionAction = formAction({ role: "operator", schema: versionRef }, async (actor, { release, current: version }) => {
  await deleteVersion(actor, release, version);
  revalidateRelease(release);
  return { message: `Deleted draft ${release}@${version}` };
});

/** "New version from this one": a draft copy under a new label. */
export const copyVersionAction = formAction(
  { role: "operator", schema: z.intersection(versionRef, z.object({ newVersion: versionLabel })) },
  async (actor, { release, current: version, newVersion }) => {
    try {
      await copyVersion(actor, release, version, newVersion);
    } catch (e) {
      // the data layer names the column ("version"); the dialog's field is "newVersion"
      if (e instanceof AppError && e.fields?.version) throw new AppError(e.status, e.code, e.message, { newVersion: e.fields.version });
      throw e;
    }
    revalidateRelease(release);
    redirect(`${versionPath(release, newVersion)}?saved=1`);
  },
);
