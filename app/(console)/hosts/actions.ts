"use server";

import { hostCount } from "@/lib/plural";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { formAction } from "@/lib/actions";
import { assignRelease, changeCell, changeTags, deleteHosts } from "@/lib/data/host-bulk";
import { createHost, deleteHost, hostNamesMatching, updateHost } from "@/lib/data/hosts";
import { rotateHostToken } from "@/lib/data/host-token";
import { bmcPasswordFromForm } from "@/lib/validation/bmc";
import { dnsName } from "@/lib/validation/common";
import { hostInput, hostUpdate, releaseRef, tags } from "@/lib/validation/host";
import { hostParams, toHostQuery } from "@/lib/validation/host-query";

const current = z.object({ current: z.string().min(1) });
const hostHref = (name: string) => `/hosts/${encodeURIComponent(name)}?saved=1`;
const plural = hostCount;

export const createHostAction = formAction({ role: "operator", schema: z.preprocess(bmcPasswordFromForm, hostInput) }, async (actor, input) => {
  const row = await createHost(actor, input);
  revalidatePath("/hosts");
  redirect(hostHref(row.name));
});

export const updateHostAction = formAction(
  { role: "operator", schema: z.preprocess(bmcPasswordFromForm, z.intersection(hostUpdate, current)) },
  async (actor, { current: name, ...input }) => {
    const row = await updateHost(actor, name, input);
    revalidatePath("/hosts");
    revalidatePath(`/hosts/${encodeURIComponent(name)}`);
    redirect(hostHref(row.name));
  },
);

export const deleteHostAction = formAction({ role: "operator", schema: current }, async (actor, { current: name }) => {
  await deleteHost(actor, name);
  revalidatePath("/hosts");
  return { message: `Deleted host ${name}` };
});

// Bulk actions: the selected hostnames travel as repeated "names" fields. All-or-nothing.

const names = z.preprocess(
  (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.string().trim().min(1)).min(1, "Select at least one host").max(50_000, "Select at most 50,000 hosts at once"),
);
const optionalTags = z.preprocess((v) => v ?? "", tags);

export const assignReleaseAction = formAction({ role: "operator", schema: z.object({ names, release: releaseRef }) }, async (actor, input) => {
  const { count } = await assignRelease(actor, input.names, input.release);
  revalidatePath("/hosts");
  const ref = input.release.version ? `${input.release.release}@${input.release.version}` : `${input.release.release} (latest)`;
  return { message: `Assigned ${ref} to ${plural(count)}` };
});

export const changeCellAction = formAction({ role: "operator", schema: z.object({ names, cell: dnsName("Cell") }) }, async (actor, input) => {
  const { count } = await changeCell(actor, input.names, input.cell);
  revalidatePath("/hosts");
  return { message: `Moved ${plural(count)} to cell ${input.cell}` };
});

export const changeTagsAction = formAction(
  { role: "operator", schema: z.object({ names, op: z.enum(["add", "remove"]), tags: optionalTags }) },
  async (actor, input) => {
    if (input.tags.length === 0) return { message: "No tags given: nothing changed" };
    const add = input.op === "add" ? input.tags : [];
    const remove = input.op === "remove" ? input.tags : [];
    const { count } = await changeTags(actor, input.names, add, remove);
    revalidatePath("/hosts");
    const what = input.tags.join(", ");
    return { message: input.op === "add" ? `Added ${what} to ${plural(count)}` : `Removed ${what} from ${plural(count)}` };
  },
);

export const deleteHostsAction = formAction({ role: "operator", schema: z.object({ names }) }, async (actor, input) => {
  const { count } = await deleteHosts(actor, input.names);
  revalidatePath("/hosts");
  return { message: `Deleted ${plural(count)}` };
});

/** "Select all N matching": the names of every host the table's current view matches. */
export const matchingHostsAction = formAction({ role: "operator", schema: hostParams }, async (actor, params) => ({
  data: await hostNamesMatching(actor, toHostQuery(params)),
}));

export const rotateHostTokenAction = formAction({ role: "operator", schema: current }, async (actor, { current: name }) => {
  const r = await rotateHostToken(actor, name);
  revalidatePath(`/hosts/${encodeURIComponent(name)}`);
  return {
    message: r.published.ok
      ? `New report token (generation ${r.generation}); ${name}'s files published again`
      : `New report token (generation ${r.generation}), but publishing ${name}'s files failed: ${r.published.error}. Publish before it boots again.`,
  };
});
