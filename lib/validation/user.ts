import { z } from "zod";
import { roleSchema } from "./common";

export const username = z
  .string({ error: "Username is required" })
  .trim()
  .min(1, "Username is required")
  .max(64, "Username must be at most 64 characters")
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "Username may use lower-case letters, digits, '.', '_' and '-'");

export const newPassword = z
  .string({ error: "Password is required" })
  .min(10, "Password must be at least 10 characters")
  .max(256, "Password must be at most 256 characters");

export const userInput = z.object({ username, password: newPassword, role: roleSchema });
export type UserInput = z.output<typeof userInput>;

export const firstAdminInput = z
  .object({ username, password: newPassword, confirm: z.string() })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "Passwords do not match" });

export const loginInput = z.object({
  username: z.string().trim().min(1, "Username is required").max(64, "Username must be at most 64 characters"),
  password: z.string().min(1, "Password is required").max(256, "Password must be at most 256 characters"),
});

export const roleChange = z.object({ role: roleSchema });
