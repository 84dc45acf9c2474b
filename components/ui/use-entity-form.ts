"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/action-state";

// What every entity form (hosts, networks, cells, releases, versions) keeps around its server
// action: the refusal's field errors, and each field's starting value, which after a refused
// save is what the person sent (nothing they typed is lost), else the entity's.

type FormAction = (prev: ActionState, form: FormData) => Promise<ActionState>;

export function useEntityForm<V extends object>(action: FormAction, entity: V | undefined, { listSeparator = ", " } = {}) {
  const [state, formAction] = useActionState(action, null);
  const refused = state?.ok === false ? state : undefined;
  /** A field's starting value: as the refused submission sent it, else the entity's (a list joined), else `fallback`. */
  const initial = (key: keyof V & string, fallback = ""): string => {
    if (refused?.values && key in refused.values) return refused.values[key] ?? "";
    const value = entity?.[key];
    return Array.isArray(value) ? value.join(listSeparator) : value == null ? fallback : String(value);
  };
  return { state, formAction, fieldErrors: refused?.fieldErrors, values: refused?.values, initial };
}
