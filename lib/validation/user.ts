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

/** A new password typed twice: the second entry ("confirm") must match the first (`field`). */
function confirmed<S extends z.ZodRawShape>(shape: S, field: keyof S & string) {
  return z.object({ ...shape, confirm: z.string() }).refine(
    (v) => {
      const entered = v as Record<string, unknown>;
      return entered[field] === entered.confirm;
    },
    { path: ["confirm"], message: "Passwords do not match" },
  );
}

export const firstAdminInput = confirmed({ username, password: newPassword }, "password");

/** A signed-in user changes their own password: the current one proves it is them. */
export const passwordChange = confirmed(
  {
    currentPassword: z
      .string({ error: "Enter your current password" })
      .min(1, "Enter your current password")
      .max(256, "Password must be at most 256 characters"),
    newPassword,
  },
  "newPassword",
);
export type PasswordChange = z.output<typeof passwordChange>;

/** An admin sets another user's password (the Users page; `afsboot user passwd` without the repeat). */
export const passwordReset = z.object({ username: z.string().trim().min(1, "Username is required").max(64), newPassword });
export const passwordResetForm = confirmed(passwordReset.shape, "newPassword");

export const loginInput = z.object({
  username: z.string().trim().min(1, "Username is required").max(64, "Username must be at most 64 characters"),
  password: z.string().min(1, "Password is required").max(256, "Password must be at most 256 characters"),
});

export const roleChange = z.object({ role: roleSchema });
