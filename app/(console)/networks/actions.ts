"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction } from "@/lib/actions";
import { createNetwork, deleteNetwork, updateNetwork } from "@/lib/data/networks";
import { bmcPasswordFromForm } from "@/lib/validation/bmc";
import { networkInput, networkUpdate } from "@/lib/validation/network";

const current = z.object({ current: z.string().min(1) });

export const createNetworkAction = formAction({ role: "operator", schema: z.preprocess(bmcPasswordFromForm, networkInput) }, async (actor, input) => {
  const row = await createNetwork(actor, input);
  revalidatePath("/networks");
  redirect(`/networks/${encodeURIComponent(row!.name)}?saved=1`);
});

export const updateNetworkAction = formAction(
  { role: "operator", schema: z.preprocess(bmcPasswordFromForm, z.intersection(networkUpdate, current)) },
  async (actor, { current: name, ...input }) => {
    const row = await updateNetwork(actor, name, input);
    revalidatePath("/networks");
    revalidatePath(`/networks/${encodeURIComponent(name)}`);
    // Confirmed by the page's SavedToast (?saved=1), not by a returned message: the page keys the
    // form by revision, so the saved form remounts and a toast fired from its state never showed.
    redirect(`/networks/${encodeURIComponent(row!.name)}?saved=1`);
  },
);

export const deleteNetworkAction = formAction({ role: "operator", schema: current }, async (actor, { current: name }) => {
  await deleteNetwork(actor, name);
  revalidatePath("/networks");
  return { message: `Deleted network ${name}` };
});
