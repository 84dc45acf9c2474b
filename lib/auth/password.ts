import { hash, verify } from "@node-rs/argon2";

// Argon2id with the library's defaults (m=19 MiB, t=2, p=1: the OWASP minimum).

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// A real hash of a random password: verifying against it when the user does not exist costs the
// same time as a real check, so timing does not reveal which usernames exist.
const DUMMY = "$argon2id$v=19$m=19456,t=2,p=1$B8BUOgMqOMn0qUWwuEoXog$vhe6tK5Tfk4POBHU2vB4A3OhN1HD8zIcm+qSksdWa1g";

export async function verifyPassword(hashed: string | null, password: string): Promise<boolean> {
  try {
    const ok = await verify(hashed ?? DUMMY, password);
    return hashed !== null && ok;
  } catch {
    return false;
  }
}
