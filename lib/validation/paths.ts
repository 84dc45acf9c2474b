import { text } from "./common";

// Paths end up in generated shell scripts and configs: only plain, safe characters.

const SAFE_PATH_CHARS = /^[A-Za-z0-9._+@%=:,\/-]+$/;

function pathProblem(p: string): string | null {
  if (/\s/.test(p)) return "must not contain whitespace";
  if (/['"`\\]/.test(p)) return "must not contain quotes or backslashes";
  if (!SAFE_PATH_CHARS.test(p)) return "may contain only letters, digits and . _ + @ % = : , / -";
  if (p.split("/").some((seg) => seg === "..")) return "must not contain '..'";
  if (p.includes("//")) return "must not contain empty segments ('//')";
  return null;
}

/** An absolute AFS path: /afs/example.org/boot/RH/7.3 */
export const afsPath = (label: string) =>
  text(label, 400)
    .transform((v) => (v.length > 1 ? v.replace(/\/+$/, "") : v))
    .superRefine((v, ctx) => {
      if (!v.startsWith("/afs/") || v.length <= "/afs/".length) {
        ctx.addIssue({ code: "custom", message: `${label} must be a path under /afs/, like /afs/example.org/boot/RH/7.3` });
        return;
      }
      const problem = pathProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: `${label} ${problem}` });
    });

/** Any absolute path on the console's server (images directory). */
export const absolutePath = (label: string) =>
  text(label, 400)
    .transform((v) => (v.length > 1 ? v.replace(/\/+$/, "") : v))
    .superRefine((v, ctx) => {
      if (!v.startsWith("/")) {
        ctx.addIssue({ code: "custom", message: `${label} must be an absolute path` });
        return;
      }
      const problem = pathProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: `${label} ${problem}` });
    });

/** A path relative to a tree or images directory: vmlinuz-2.4.20, usr, var/lib/rpm. */
export const relativePath = (label: string) =>
  text(label, 200)
    .transform((v) => v.replace(/\/+$/, ""))
    .superRefine((v, ctx) => {
      if (v.startsWith("/")) {
        ctx.addIssue({ code: "custom", message: `${label} must be relative (no leading '/')` });
        return;
      }
      const problem = pathProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: `${label} ${problem}` });
      else if (v === "." || v.split("/").includes(".")) ctx.addIssue({ code: "custom", message: `${label} must not contain '.' segments` });
    });
