import { stringify } from "yaml";

/** A fleet as a YAML fleet file (`afsboot export fleet`): each value on one line, however long. */
export function fleetYaml(fleet: unknown): string {
  return stringify(fleet, { lineWidth: 0 });
}
