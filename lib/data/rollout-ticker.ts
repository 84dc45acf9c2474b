import "server-only";
import crypto from "node:crypto";
import os from "node:os";
import { errorFields, log } from "@/lib/log";
import { DRIVER, tickRollouts } from "./rollout-driver";
import { consolePowerPort, type PowerPort } from "./rollout-power";

// The console drives rollouts from instrumentation.ts: a tick every 2 s, one at a time in this
// process (a tick waits on BMCs and publications), under an owner id of its own so that the
// lease tells this process from every other console replica.

const EVERY_MS = 2_000;
let timer: NodeJS.Timeout | null = null;

/** This process's owner id for rollout leases: host, pid and a random part (a restarted process is a new owner). */
export const processOwner = () => `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString("hex")}`;

export function startRolloutTicker(power: PowerPort = consolePowerPort(DRIVER)): void {
  if (timer) return;
  const owner = processOwner();
  let busy = false;
  timer = setInterval(() => {
    if (busy) return;
    busy = true;
    tickRollouts(owner, { power })
      .then((r) => r.errors.forEach((e) => log.warn("rollout step failed", { ...e })))
      .catch((e: unknown) => log.error("the rollout ticker failed", errorFields(e)))
      .finally(() => (busy = false));
  }, EVERY_MS);
  timer.unref();
}
