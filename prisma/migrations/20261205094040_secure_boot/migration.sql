-- AlterTable
ALTER TABLE "Host" ADD COLUMN "secureBoot" BOOLEAN;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Network" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "subnet" TEXT NOT NULL,
    "gateway" TEXT NOT NULL,
    "dns" JSONB NOT NULL,
    "domain" TEXT,
    "bootServer" TEXT NOT NULL,
    "reportUrl" TEXT NOT NULL,
    "reportUrls" JSONB,
    "bootUrl" TEXT,
    "discoveryRange" TEXT,
    "dhcpEventHook" TEXT,
    "bootServers" JSONB,
    "dhcpFailover" TEXT,
    "secureBoot" BOOLEAN NOT NULL DEFAULT false,
    "notes" TEXT NOT NULL DEFAULT '',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Network" ("bootServer", "bootServers", "bootUrl", "createdAt", "dhcpEventHook", "dhcpFailover", "discoveryRange", "dns", "domain", "gateway", "id", "name", "notes", "reportUrl", "reportUrls", "revision", "subnet", "updatedAt") SELECT "bootServer", "bootServers", "bootUrl", "createdAt", "dhcpEventHook", "dhcpFailover", "discoveryRange", "dns", "domain", "gateway", "id", "name", "notes", "reportUrl", "reportUrls", "revision", "subnet", "updatedAt" FROM "Network";
DROP TABLE "Network";
ALTER TABLE "new_Network" RENAME TO "Network";
CREATE UNIQUE INDEX "Network_name_key" ON "Network"("name");
CREATE TABLE "new_ReleaseVersion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "releaseId" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "kernel" TEXT NOT NULL,
    "baseInitrd" TEXT NOT NULL,
    "modules" JSONB NOT NULL,
    "readonly" JSONB NOT NULL,
    "writable" JSONB NOT NULL,
    "tmpfsSize" TEXT NOT NULL DEFAULT '256M',
    "signedKernel" BOOLEAN NOT NULL DEFAULT false,
    "signedModules" BOOLEAN NOT NULL DEFAULT false,
    "notes" TEXT NOT NULL DEFAULT '',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "activatedAt" DATETIME,
    "retiredAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ReleaseVersion_releaseId_fkey" FOREIGN KEY ("releaseId") REFERENCES "Release" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_ReleaseVersion" ("activatedAt", "baseInitrd", "createdAt", "id", "kernel", "modules", "notes", "readonly", "releaseId", "retiredAt", "revision", "status", "tmpfsSize", "updatedAt", "version", "writable") SELECT "activatedAt", "baseInitrd", "createdAt", "id", "kernel", "modules", "notes", "readonly", "releaseId", "retiredAt", "revision", "status", "tmpfsSize", "updatedAt", "version", "writable" FROM "ReleaseVersion";
DROP TABLE "ReleaseVersion";
ALTER TABLE "new_ReleaseVersion" RENAME TO "ReleaseVersion";
CREATE UNIQUE INDEX "ReleaseVersion_releaseId_version_key" ON "ReleaseVersion"("releaseId", "version");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
