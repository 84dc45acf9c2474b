// FormData → plain object. Keys with dots build nested objects and arrays:
// "servers.0.ip" → { servers: [{ ip }] }. Repeated plain keys become arrays.

type Tree = { [key: string]: unknown };

export function formToObject(form: FormData): Tree {
  const out: Tree = {};
  for (const [key, raw] of form.entries()) {
    if (key.startsWith("$ACTION")) continue; // React's own fields
    const value = typeof raw === "string" ? raw : raw.name;
    const parts = key.split(".");
    let node: Tree = out;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      if (last) {
        if (part in node) {
          const prev = node[part];
          node[part] = Array.isArray(prev) ? [...prev, value] : [prev, value];
        } else node[part] = value;
        return;
      }
      const nextIsIndex = /^\d+$/.test(parts[i + 1]!);
      node[part] ??= nextIsIndex ? [] : {};
      node = node[part] as Tree;
    });
  }
  return compactArrays(out) as Tree;
}

/** Sparse arrays (a removed row in the middle of a list) become dense, in index order. */
function compactArrays(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(compactArrays);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compactArrays(x)]));
  return v;
}

/** Flat string values of a form, for re-filling fields after a refused submission. */
export function formValues(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of form.entries()) {
    if (key.startsWith("$ACTION") || typeof raw !== "string") continue;
    if (/password|confirm/i.test(key)) continue; // never echo secrets back
    out[key] = raw;
  }
  return out;
}
