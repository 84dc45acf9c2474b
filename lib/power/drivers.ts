import { commandDriver } from "./command";
import { redfishDriver } from "./redfish";
import type { PowerDriver, PowerDriverName } from "./types";

/** The driver for a BMC: IPMI through ipmitool, Redfish over HTTPS, or an admin's executable. */
export function powerDriver(name: PowerDriverName, opts: { powerDir: string; ca?: Buffer }): PowerDriver {
  switch (name) {
    case "redfish":
      return redfishDriver({ ca: opts.ca });
    case "command":
      return commandDriver({ dir: opts.powerDir });
    case "ipmi":
      return ipmiDriver();
  }
}
