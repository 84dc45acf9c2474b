-- AlterTable
ALTER TABLE "Network" ADD COLUMN     "bootUrl" TEXT;

-- AlterTable
ALTER TABLE "Publication" ADD COLUMN     "filesAdded" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "filesRemoved" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "filesTotal" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "hooks" JSONB,
ADD COLUMN     "scope" TEXT NOT NULL DEFAULT 'full',
ADD COLUMN     "scopeHosts" JSONB,
ADD COLUMN     "timings" JSONB;

-- CreateTable
CREATE TABLE "ExportFile" (
    "outDir" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "hostId" TEXT,
    "publicationId" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExportFile_pkey" PRIMARY KEY ("outDir","path")
);

-- CreateIndex
CREATE INDEX "ExportFile_outDir_hostId_idx" ON "ExportFile"("outDir", "hostId");

-- CreateIndex
CREATE INDEX "Publication_outDir_startedAt_idx" ON "Publication"("outDir", "startedAt");
