import { commandDriver } from "./command";
import { ipmiDriver } from "./ipmi";
import { redfishDriver } from "./redfish";
import type { PowerDriver, PowerDriverName } from "./types";

/** The driver for a BMC: IPMI through ipmitool, Redfish over HTTPS, or an admin's executable. */
export function powerDriver(name: PowerDriverName, opts: { powerDir: string; ca?: Buffer; ipmiCipherSuite?: number }): PowerDriver {
  switch (name) {
    case "redfish":
      return redfishDriver({ ca: opts.ca });
    case "command":
      return commandDriver({ dir: opts.powerDir });
    case "ipmi":
      return ipmiDriver({ cipherSuite: opts.ipmiCipherSuite });
  }
}
