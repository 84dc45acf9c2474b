-- AlterTable
ALTER TABLE "Host" ADD COLUMN "bmcAddress" TEXT;
ALTER TABLE "Host" ADD COLUMN "bmcCommand" TEXT;
ALTER TABLE "Host" ADD COLUMN "bmcDriver" TEXT;
ALTER TABLE "Host" ADD COLUMN "bmcInsecure" BOOLEAN;
ALTER TABLE "Host" ADD COLUMN "bmcPassword" TEXT;
ALTER TABLE "Host" ADD COLUMN "bmcUser" TEXT;

-- CreateTable
CREATE TABLE "Rollout" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "versionId" TEXT NOT NULL,
    "selector" JSONB NOT NULL,
    "mode" TEXT NOT NULL DEFAULT 'power',
    "canary" INTEGER NOT NULL,
    "waveSize" INTEGER,
    "wavePercent" INTEGER,
    "maxFailures" INTEGER NOT NULL DEFAULT 0,
    "maxFailurePercent" INTEGER,
    "canaryMaxFailures" INTEGER NOT NULL DEFAULT 0,
    "pauseSeconds" INTEGER NOT NULL DEFAULT 0,
    "reportDeadlineSeconds" INTEGER NOT NULL DEFAULT 300,
    "upDeadlineSeconds" INTEGER NOT NULL DEFAULT 900,
    "rollback" BOOLEAN NOT NULL DEFAULT false,
    "state" TEXT NOT NULL DEFAULT 'running',
    "waves" INTEGER NOT NULL,
    "currentWave" INTEGER NOT NULL DEFAULT 0,
    "decision" TEXT,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "notBefore" DATETIME,
    "actorType" TEXT NOT NULL,
    "actorName" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "revision" INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT "Rollout_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "ReleaseVersion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RolloutHost" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "rolloutId" TEXT NOT NULL,
    "hostId" TEXT,
    "hostName" TEXT NOT NULL,
    "wave" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "previousPinnedVersionId" TEXT,
    "previousVersionId" TEXT,
    "expectedInitrdSha256" TEXT,
    "expectedVersion" TEXT,
    "cycledAt" DATETIME,
    "powerMessage" TEXT,
    "bootRowId" TEXT,
    "stage" TEXT,
    "reason" TEXT,
    "finishedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "RolloutHost_rolloutId_fkey" FOREIGN KEY ("rolloutId") REFERENCES "Rollout" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "RolloutHost_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

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
    "bmcDriver" TEXT,
    "bmcUser" TEXT,
    "bmcPassword" TEXT,
    "bmcInsecure" BOOLEAN NOT NULL DEFAULT false,
    "bmcCommand" TEXT,
    "notes" TEXT NOT NULL DEFAULT '',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Network" ("bootServer", "bootServers", "bootUrl", "createdAt", "dhcpEventHook", "dhcpFailover", "discoveryRange", "dns", "domain", "gateway", "id", "name", "notes", "reportUrl", "reportUrls", "revision", "secureBoot", "subnet", "updatedAt") SELECT "bootServer", "bootServers", "bootUrl", "createdAt", "dhcpEventHook", "dhcpFailover", "discoveryRange", "dns", "domain", "gateway", "id", "name", "notes", "reportUrl", "reportUrls", "revision", "secureBoot", "subnet", "updatedAt" FROM "Network";
DROP TABLE "Network";
ALTER TABLE "new_Network" RENAME TO "Network";
CREATE UNIQUE INDEX "Network_name_key" ON "Network"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Rollout_state_idx" ON "Rollout"("state");

-- CreateIndex
CREATE INDEX "Rollout_createdAt_idx" ON "Rollout"("createdAt");

-- CreateIndex
CREATE INDEX "RolloutHost_rolloutId_wave_position_idx" ON "RolloutHost"("rolloutId", "wave", "position");

-- CreateIndex
CREATE INDEX "RolloutHost_hostId_idx" ON "RolloutHost"("hostId");

-- CreateIndex
CREATE UNIQUE INDEX "RolloutHost_rolloutId_hostName_key" ON "RolloutHost"("rolloutId", "hostName");
