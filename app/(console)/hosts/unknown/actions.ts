"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction } from "@/lib/actions";
import { dismissDiscovered } from "@/lib/data/discovery";
import { mac } from "@/lib/validation/host";

export const dismissUnknownAction = formAction({ role: "operator", schema: z.object({ mac }) }, async (actor, input) => {
  await dismissDiscovered(actor, input.mac);
  revalidatePath("/hosts/unknown");
  return { message: `Dismissed ${input.mac}` };
});
