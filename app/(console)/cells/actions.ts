"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction } from "@/lib/actions";
import { createCell, deleteCell, updateCell } from "@/lib/data/cells";
import { cellInput, cellUpdate } from "@/lib/validation/cell";

const current = z.object({ current: z.string().min(1) });

export const createCellAction = formAction({ role: "operator", schema: cellInput }, async (actor, input) => {
  const row = await createCell(actor, input);
  revalidatePath("/cells");
  redirect(`/cells/${encodeURIComponent(row!.name)}?saved=1`);
});

export const updateCellAction = formAction({ role: "operator", schema: z.intersection(cellUpdate, current) }, async (actor, { current: name, ...input }) => {
  const row = await updateCell(actor, name, input);
  revalidatePath("/cells");
  revalidatePath(`/cells/${encodeURIComponent(name)}`);
  // Confirmed by the page's SavedToast (?saved=1), not by a returned message: the page keys the
  // form by revision, so the saved form remounts and a toast fired from its state never showed.
  redirect(`/cells/${encodeURIComponent(row!.name)}?saved=1`);
});

export const deleteCellAction = formAction({ role: "operator", schema: current }, async (actor, { current: name }) => {
  await deleteCell(actor, name);
  revalidatePath("/cells");
  return { message: `Deleted cell ${name}` };
});
