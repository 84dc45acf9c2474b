/**
 * Tests create, change and delete data freely: refuse to run against anything but a local SQLite
 * file, or a PostgreSQL server on this machine that the test command started for itself
 * (AFSBOOT_TEST_PG_URL, see scripts/test-postgres.sh), whatever DATABASE_URL the shell carries.
 */
export function assertLocalTestDatabase(url: string | undefined): void {
  if (url && !url.startsWith("file:")) {
    throw new Error(`Refusing to run tests against a non-local database (DATABASE_URL=${redact(url)}). Unset DATABASE_URL or point it at a file: URL.`);
  }
  const pg = process.env.AFSBOOT_TEST_PG_URL;
  if (pg) {
    const host = new URL(pg).hostname;
    if (!["127.0.0.1", "localhost", "[::1]"].includes(host)) {
      throw new Error(`Refusing to run tests against PostgreSQL on ${host}: only a server on this machine`);
    }
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@]*@/, "//***@");
}
