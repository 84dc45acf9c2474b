-- CreateEnum
CREATE TYPE "BmcDriver" AS ENUM ('ipmi', 'redfish', 'command');

-- CreateEnum
CREATE TYPE "RolloutState" AS ENUM ('running', 'paused', 'halted', 'rolling_back', 'completed', 'rolled_back', 'aborted');

-- CreateEnum
CREATE TYPE "RolloutHostState" AS ENUM ('pending', 'published', 'cycling', 'waiting', 'up', 'failed', 'rollback_published', 'rollback_cycling', 'rollback_waiting', 'rolled_back', 'rollback_failed', 'skipped');

-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "bmcAddress" TEXT,
ADD COLUMN     "bmcCommand" TEXT,
ADD COLUMN     "bmcDriver" "BmcDriver",
ADD COLUMN     "bmcInsecure" BOOLEAN,
ADD COLUMN     "bmcPassword" TEXT,
ADD COLUMN     "bmcUser" TEXT;

-- AlterTable
ALTER TABLE "Network" ADD COLUMN     "bmcCommand" TEXT,
ADD COLUMN     "bmcDriver" "BmcDriver",
ADD COLUMN     "bmcInsecure" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "bmcPassword" TEXT,
ADD COLUMN     "bmcUser" TEXT;

-- CreateTable
CREATE TABLE "Rollout" (
    "id" TEXT NOT NULL,
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
    "state" "RolloutState" NOT NULL DEFAULT 'running',
    "waves" INTEGER NOT NULL,
    "currentWave" INTEGER NOT NULL DEFAULT 0,
    "decision" TEXT,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "notBefore" TIMESTAMP(3),
    "actorType" TEXT NOT NULL,
    "actorName" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),
    "revision" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "Rollout_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RolloutHost" (
    "id" TEXT NOT NULL,
    "rolloutId" TEXT NOT NULL,
    "hostId" TEXT,
    "hostName" TEXT NOT NULL,
    "wave" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "state" "RolloutHostState" NOT NULL DEFAULT 'pending',
    "previousPinnedVersionId" TEXT,
    "previousVersionId" TEXT,
    "expectedInitrdSha256" TEXT,
    "expectedVersion" TEXT,
    "cycledAt" TIMESTAMP(3),
    "powerMessage" TEXT,
    "bootRowId" TEXT,
    "stage" TEXT,
    "reason" TEXT,
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RolloutHost_pkey" PRIMARY KEY ("id")
);

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

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "ReleaseVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RolloutHost" ADD CONSTRAINT "RolloutHost_rolloutId_fkey" FOREIGN KEY ("rolloutId") REFERENCES "Rollout"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RolloutHost" ADD CONSTRAINT "RolloutHost_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE SET NULL ON UPDATE CASCADE;
