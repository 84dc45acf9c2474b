-- AlterTable
ALTER TABLE "Network" ADD COLUMN "bootUrl" TEXT;

-- CreateTable
CREATE TABLE "ExportFile" (
    "outDir" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "hostId" TEXT,
    "publicationId" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("outDir", "path")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Publication" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL DEFAULT 'running',
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "actorType" TEXT NOT NULL,
    "actorName" TEXT NOT NULL,
    "inputsSha256" TEXT,
    "outDir" TEXT NOT NULL,
    "validation" JSONB,
    "error" TEXT,
    "filesChanged" INTEGER NOT NULL DEFAULT 0,
    "scope" TEXT NOT NULL DEFAULT 'full',
    "scopeHosts" JSONB,
    "filesAdded" INTEGER NOT NULL DEFAULT 0,
    "filesRemoved" INTEGER NOT NULL DEFAULT 0,
    "filesTotal" INTEGER NOT NULL DEFAULT 0,
    "hooks" JSONB,
    "timings" JSONB
);
INSERT INTO "new_Publication" ("actorName", "actorType", "error", "filesChanged", "finishedAt", "id", "inputsSha256", "outDir", "startedAt", "status", "validation") SELECT "actorName", "actorType", "error", "filesChanged", "finishedAt", "id", "inputsSha256", "outDir", "startedAt", "status", "validation" FROM "Publication";
DROP TABLE "Publication";
ALTER TABLE "new_Publication" RENAME TO "Publication";
CREATE INDEX "Publication_startedAt_idx" ON "Publication"("startedAt");
CREATE INDEX "Publication_outDir_startedAt_idx" ON "Publication"("outDir", "startedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "ExportFile_outDir_hostId_idx" ON "ExportFile"("outDir", "hostId");
