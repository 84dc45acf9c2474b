import { z } from "zod";
import { roleSchema, slug } from "./common";

export const apiTokenInput = z.object({
  name: slug("Token name", 64),
  role: roleSchema,
});
export type ApiTokenInput = z.output<typeof apiTokenInput>;
