"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction } from "@/lib/actions";
import type { Actor } from "@/lib/auth/roles";
import { publish, type PublishOptions } from "@/lib/data/publish";
import { exportDir } from "@/lib/env";
import { AppError, invalid } from "@/lib/errors";
import { generatorProblem } from "@/components/publications/generator-error";
import { toPreview } from "@/lib/publish/preview";

// Both publish into the console's export directory; the form sends nothing but the click.
const none = z.object({});

/** publish(), with a generator's refusal of some inventory value as the message a person sees. */
async function run(actor: Actor, opts: Omit<PublishOptions, "outDir">) {
  try {
    return await publish(actor, { outDir: exportDir(), ...opts });
  } catch (e) {
    const problem = e instanceof AppError ? null : generatorProblem(e);
    if (problem === null) throw e;
    throw invalid(`The boot files cannot be generated: ${problem}`);
  }
}

/** A dry run: what a publication would change, validated by the daemons, with diffs. Writes no boot file; kept a day to be paged through. */
export const previewPublishAction = formAction({ role: "operator", schema: none }, async (actor) => {
  return { data: toPreview(await run(actor, { dryRun: true })) };
});

/** Publishes everything that changed, then shows the publication. A validator's refusal comes back as the error. */
export const publishAction = formAction({ role: "operator", schema: none }, async (actor) => {
  const result = await run(actor, {});
  // the navigation's badge of unpublished changes is in the layout: refresh every page
  revalidatePath("/", "layout");
  redirect(`/publications/${encodeURIComponent(result.publicationId!)}?saved=1`);
});
