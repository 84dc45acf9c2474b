// The start form's fields (strings, as typed) and the input they make for lib/validation/rollout.ts
// startRollout: empty fields are left out (the schema's defaults apply), lists are split, numbers
// that do not parse are sent as typed so that the schema's message names the field. Pure.

export interface RolloutFormValues {
  version: string;
  /** host names, separated by spaces, commas or lines */
  hosts: string;
  tags: string;
  network: string;
  release: string;
  /** hosts whose last boot reported this release@version */
  running: string;
  canary: string;
  wave: string;
  maxFailures: string;
  canaryMaxFailures: string;
  pauseSeconds: string;
  reportDeadlineSeconds: string;
  upDeadlineSeconds: string;
  rollback: boolean;
  mode: "power" | "manual";
}

/** The form as it opens: the schema's defaults, shown. */
export const ROLLOUT_FORM_DEFAULTS: Omit<RolloutFormValues, "version"> = {
  hosts: "",
  tags: "",
  network: "",
  release: "",
  running: "",
  canary: "1",
  wave: "10%",
  maxFailures: "0",
  canaryMaxFailures: "0",
  pauseSeconds: "0",
  reportDeadlineSeconds: "300",
  upDeadlineSeconds: "900",
  rollback: false,
  mode: "power",
};

const list = (s: string) => s.split(/[\s,]+/).filter(Boolean);
const opt = (s: string) => (s.trim() === "" ? undefined : s.trim());
const num = (s: string): number | string | undefined => {
  const t = s.trim();
  if (t === "") return undefined;
  return /^-?\d+$/.test(t) ? Number(t) : t;
};
const nonEmpty = <T>(xs: T[]) => (xs.length ? xs : undefined);

/** The start's input from the form: what the server action parses with startRollout. */
export function rolloutFormInput(v: RolloutFormValues) {
  return {
    version: v.version,
    selector: {
      hosts: nonEmpty(list(v.hosts)),
      tags: nonEmpty(list(v.tags)),
      network: opt(v.network),
      release: opt(v.release),
      version: opt(v.running),
    },
    canary: num(v.canary),
    wave: opt(v.wave),
    maxFailures: opt(v.maxFailures),
    canaryMaxFailures: num(v.canaryMaxFailures),
    pauseSeconds: num(v.pauseSeconds),
    reportDeadlineSeconds: num(v.reportDeadlineSeconds),
    upDeadlineSeconds: num(v.upDeadlineSeconds),
    rollback: v.rollback,
    mode: v.mode,
  };
}
