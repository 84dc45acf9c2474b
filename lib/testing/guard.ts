/**
 * Tests create, change and delete data freely: refuse to run against anything but a local SQLite
 * file, whatever DATABASE_URL the shell happens to carry.
 */
export function assertLocalTestDatabase(url: string | undefined): void {
  if (url && !url.startsWith("file:")) {
    throw new Error(`Refusing to run tests against a non-local database (DATABASE_URL=${url.replace(/\/\/[^@]*@/, "//***@")}). Unset DATABASE_URL or point it at a file: URL.`);
  }
}
