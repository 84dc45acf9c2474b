-- AlterTable
ALTER TABLE "Host" ADD COLUMN "identity" TEXT;

-- CreateTable
CREATE TABLE "HostTpm" (
    "hostId" TEXT NOT NULL PRIMARY KEY,
    "ekPublic" TEXT,
    "akPublic" TEXT,
    "ekFingerprint" TEXT,
    "akName" TEXT,
    "pinnedAt" DATETIME,
    "pinnedBy" TEXT,
    "candidateEkPublic" TEXT,
    "candidateAkPublic" TEXT,
    "candidateFingerprint" TEXT,
    "candidateAt" DATETIME,
    "candidateIp" TEXT,
    "mismatch" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "HostTpm_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "HostSecrets" (
    "hostId" TEXT NOT NULL PRIMARY KEY,
    "sshKeys" TEXT,
    "sshPublic" TEXT,
    "sshCreatedAt" DATETIME,
    "keytab" TEXT,
    "keytabSummary" TEXT,
    "keytabPrincipal" TEXT,
    "keytabKvno" INTEGER,
    "keytabSource" TEXT,
    "keytabAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "HostSecrets_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "IdentityActivation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "hostId" TEXT NOT NULL,
    "bootId" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "keySealed" TEXT,
    "ip" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "deliveredAt" DATETIME,
    "ekFingerprint" TEXT,
    "akName" TEXT,
    "akPublic" TEXT,
    "deliveredBoot" TEXT,
    CONSTRAINT "IdentityActivation_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Cell" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "client" TEXT NOT NULL DEFAULT 'kafs',
    "bootRoot" TEXT NOT NULL,
    "cacheMemcache" BOOLEAN NOT NULL DEFAULT true,
    "cacheBlocks" INTEGER NOT NULL DEFAULT 65536,
    "realm" TEXT,
    "kdcs" TEXT NOT NULL DEFAULT '',
    "notes" TEXT NOT NULL DEFAULT '',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Cell" ("bootRoot", "cacheBlocks", "cacheMemcache", "client", "createdAt", "id", "name", "notes", "revision", "updatedAt") SELECT "bootRoot", "cacheBlocks", "cacheMemcache", "client", "createdAt", "id", "name", "notes", "revision", "updatedAt" FROM "Cell";
DROP TABLE "Cell";
ALTER TABLE "new_Cell" RENAME TO "Cell";
CREATE UNIQUE INDEX "Cell_name_key" ON "Cell"("name");
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
    "bmcDriver" TEXT,
    "bmcUser" TEXT,
    "bmcPassword" TEXT,
    "bmcInsecure" BOOLEAN NOT NULL DEFAULT false,
    "bmcCommand" TEXT,
    "identity" TEXT NOT NULL DEFAULT 'none',
    "identityEnrolment" TEXT NOT NULL DEFAULT 'approve',
    "notes" TEXT NOT NULL DEFAULT '',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Network" ("bmcCommand", "bmcDriver", "bmcInsecure", "bmcPassword", "bmcUser", "bootServer", "bootServers", "bootUrl", "createdAt", "dhcpEventHook", "dhcpFailover", "discoveryRange", "dns", "domain", "gateway", "id", "name", "notes", "reportUrl", "reportUrls", "revision", "secureBoot", "subnet", "updatedAt") SELECT "bmcCommand", "bmcDriver", "bmcInsecure", "bmcPassword", "bmcUser", "bootServer", "bootServers", "bootUrl", "createdAt", "dhcpEventHook", "dhcpFailover", "discoveryRange", "dns", "domain", "gateway", "id", "name", "notes", "reportUrl", "reportUrls", "revision", "secureBoot", "subnet", "updatedAt" FROM "Network";
DROP TABLE "Network";
ALTER TABLE "new_Network" RENAME TO "Network";
CREATE UNIQUE INDEX "Network_name_key" ON "Network"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "IdentityActivation_expiresAt_idx" ON "IdentityActivation"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "IdentityActivation_deliveredBoot_key" ON "IdentityActivation"("deliveredBoot");

-- CreateIndex
CREATE INDEX "IdentityActivation_hostId_bootId_idx" ON "IdentityActivation"("hostId", "bootId");
