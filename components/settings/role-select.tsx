import { NativeSelect, type NativeSelectProps } from "@/components/ui/native-select";
import { ROLES } from "@/lib/validation/common";

/** The three roles, highest last. */
export function RoleSelect(props: NativeSelectProps) {
  return (
    <NativeSelect {...props}>
      {ROLES.slice()
        .reverse()
        .map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
    </NativeSelect>
  );
}
