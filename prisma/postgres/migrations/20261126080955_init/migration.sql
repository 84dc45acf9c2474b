-- CreateEnum
CREATE TYPE "Role" AS ENUM ('admin', 'operator', 'viewer');

-- CreateEnum
CREATE TYPE "AfsClient" AS ENUM ('kafs', 'openafs');

-- CreateEnum
CREATE TYPE "VersionStatus" AS ENUM ('draft', 'active', 'retired');

-- CreateEnum
CREATE TYPE "BootStage" AS ENUM ('pxe', 'dhcp', 'initrd', 'network', 'afs', 'root', 'switch', 'up', 'shutdown', 'failed');

-- CreateEnum
CREATE TYPE "BootState" AS ENUM ('booting', 'up', 'failed', 'stalled');

-- CreateEnum
CREATE TYPE "PublicationStatus" AS ENUM ('running', 'succeeded', 'failed', 'dry_run');

-- CreateEnum
CREATE TYPE "FileChange" AS ENUM ('added', 'changed', 'removed', 'unchanged');

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "lastLoginAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "ip" TEXT,
    "userAgent" TEXT,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "actorName" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT,
    "targetName" TEXT,
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Network" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "subnet" TEXT NOT NULL,
    "gateway" TEXT NOT NULL,
    "dns" JSONB NOT NULL,
    "domain" TEXT,
    "bootServer" TEXT NOT NULL,
    "reportUrl" TEXT NOT NULL,
    "notes" TEXT NOT NULL DEFAULT '',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Network_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cell" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "client" "AfsClient" NOT NULL DEFAULT 'kafs',
    "bootRoot" TEXT NOT NULL,
    "cacheMemcache" BOOLEAN NOT NULL DEFAULT true,
    "cacheBlocks" INTEGER NOT NULL DEFAULT 65536,
    "notes" TEXT NOT NULL DEFAULT '',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Cell_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CellServer" (
    "id" TEXT NOT NULL,
    "cellId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "ip" TEXT NOT NULL,

    CONSTRAINT "CellServer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Release" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tree" TEXT NOT NULL,
    "imagesDir" TEXT,
    "notes" TEXT NOT NULL DEFAULT '',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Release_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReleaseVersion" (
    "id" TEXT NOT NULL,
    "releaseId" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "status" "VersionStatus" NOT NULL DEFAULT 'draft',
    "kernel" TEXT NOT NULL,
    "baseInitrd" TEXT NOT NULL,
    "modules" JSONB NOT NULL,
    "readonly" JSONB NOT NULL,
    "writable" JSONB NOT NULL,
    "tmpfsSize" TEXT NOT NULL DEFAULT '256M',
    "notes" TEXT NOT NULL DEFAULT '',
    "revision" INTEGER NOT NULL DEFAULT 1,
    "activatedAt" TIMESTAMP(3),
    "retiredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReleaseVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Host" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "mac" TEXT NOT NULL,
    "ip" TEXT NOT NULL,
    "ipKey" TEXT NOT NULL,
    "networkId" TEXT NOT NULL,
    "cellId" TEXT NOT NULL,
    "releaseId" TEXT NOT NULL,
    "pinnedVersionId" TEXT,
    "cacheBlocks" INTEGER,
    "tmpfsSize" TEXT,
    "kernelArgs" TEXT,
    "nicModule" TEXT,
    "notes" TEXT NOT NULL DEFAULT '',
    "tokenGeneration" INTEGER NOT NULL DEFAULT 1,
    "assignedInitrdSha256" TEXT,
    "assignedConfigSha256" TEXT,
    "assignedAt" TIMESTAMP(3),
    "revision" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastBootId" TEXT,

    CONSTRAINT "Host_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HostTag" (
    "hostId" TEXT NOT NULL,
    "tag" TEXT NOT NULL,

    CONSTRAINT "HostTag_pkey" PRIMARY KEY ("hostId","tag")
);

-- CreateTable
CREATE TABLE "DiscoveredHost" (
    "id" TEXT NOT NULL,
    "mac" TEXT NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastIp" TEXT,
    "lastStage" TEXT,
    "lastMessage" TEXT,
    "reports" INTEGER NOT NULL DEFAULT 1,
    "dismissed" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "DiscoveredHost_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Boot" (
    "id" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "bootId" TEXT NOT NULL,
    "state" "BootState" NOT NULL DEFAULT 'booting',
    "currentStage" "BootStage" NOT NULL,
    "failedStage" "BootStage",
    "message" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastEventAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "initrdSha256" TEXT,
    "releaseVersion" TEXT,
    "clientIp" TEXT,

    CONSTRAINT "Boot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BootEvent" (
    "id" TEXT NOT NULL,
    "bootRowId" TEXT NOT NULL,
    "stage" "BootStage" NOT NULL,
    "failedStage" "BootStage",
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "clientAt" TEXT,
    "message" TEXT,
    "initrdSha256" TEXT,
    "releaseVersion" TEXT,
    "ip" TEXT,

    CONSTRAINT "BootEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Publication" (
    "id" TEXT NOT NULL,
    "status" "PublicationStatus" NOT NULL DEFAULT 'running',
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "actorType" TEXT NOT NULL,
    "actorName" TEXT NOT NULL,
    "inputsSha256" TEXT,
    "outDir" TEXT NOT NULL,
    "validation" JSONB,
    "error" TEXT,
    "filesChanged" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Publication_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PublicationFile" (
    "id" TEXT NOT NULL,
    "publicationId" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "change" "FileChange" NOT NULL,
    "diff" TEXT,

    CONSTRAINT "PublicationFile_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "Session_expiresAt_idx" ON "Session"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_name_key" ON "ApiToken"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "AuditEntry_at_idx" ON "AuditEntry"("at");

-- CreateIndex
CREATE INDEX "AuditEntry_targetType_targetId_idx" ON "AuditEntry"("targetType", "targetId");

-- CreateIndex
CREATE INDEX "AuditEntry_actorName_idx" ON "AuditEntry"("actorName");

-- CreateIndex
CREATE UNIQUE INDEX "Network_name_key" ON "Network"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Cell_name_key" ON "Cell"("name");

-- CreateIndex
CREATE INDEX "CellServer_cellId_position_idx" ON "CellServer"("cellId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "CellServer_cellId_ip_key" ON "CellServer"("cellId", "ip");

-- CreateIndex
CREATE UNIQUE INDEX "Release_name_key" ON "Release"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ReleaseVersion_releaseId_version_key" ON "ReleaseVersion"("releaseId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Host_mac_key" ON "Host"("mac");

-- CreateIndex
CREATE UNIQUE INDEX "Host_ip_key" ON "Host"("ip");

-- CreateIndex
CREATE UNIQUE INDEX "Host_lastBootId_key" ON "Host"("lastBootId");

-- CreateIndex
CREATE INDEX "Host_networkId_ipKey_idx" ON "Host"("networkId", "ipKey");

-- CreateIndex
CREATE INDEX "Host_cellId_idx" ON "Host"("cellId");

-- CreateIndex
CREATE INDEX "Host_releaseId_idx" ON "Host"("releaseId");

-- CreateIndex
CREATE INDEX "HostTag_tag_idx" ON "HostTag"("tag");

-- CreateIndex
CREATE UNIQUE INDEX "DiscoveredHost_mac_key" ON "DiscoveredHost"("mac");

-- CreateIndex
CREATE INDEX "Boot_hostId_startedAt_idx" ON "Boot"("hostId", "startedAt");

-- CreateIndex
CREATE INDEX "Boot_state_lastEventAt_idx" ON "Boot"("state", "lastEventAt");

-- CreateIndex
CREATE UNIQUE INDEX "Boot_hostId_bootId_key" ON "Boot"("hostId", "bootId");

-- CreateIndex
CREATE INDEX "BootEvent_at_idx" ON "BootEvent"("at");

-- CreateIndex
CREATE UNIQUE INDEX "BootEvent_bootRowId_stage_key" ON "BootEvent"("bootRowId", "stage");

-- CreateIndex
CREATE INDEX "Publication_startedAt_idx" ON "Publication"("startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "PublicationFile_publicationId_path_key" ON "PublicationFile"("publicationId", "path");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CellServer" ADD CONSTRAINT "CellServer_cellId_fkey" FOREIGN KEY ("cellId") REFERENCES "Cell"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReleaseVersion" ADD CONSTRAINT "ReleaseVersion_releaseId_fkey" FOREIGN KEY ("releaseId") REFERENCES "Release"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Host" ADD CONSTRAINT "Host_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Host" ADD CONSTRAINT "Host_cellId_fkey" FOREIGN KEY ("cellId") REFERENCES "Cell"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Host" ADD CONSTRAINT "Host_releaseId_fkey" FOREIGN KEY ("releaseId") REFERENCES "Release"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Host" ADD CONSTRAINT "Host_pinnedVersionId_fkey" FOREIGN KEY ("pinnedVersionId") REFERENCES "ReleaseVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Host" ADD CONSTRAINT "Host_lastBootId_fkey" FOREIGN KEY ("lastBootId") REFERENCES "Boot"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HostTag" ADD CONSTRAINT "HostTag_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Boot" ADD CONSTRAINT "Boot_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BootEvent" ADD CONSTRAINT "BootEvent_bootRowId_fkey" FOREIGN KEY ("bootRowId") REFERENCES "Boot"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PublicationFile" ADD CONSTRAINT "PublicationFile_publicationId_fkey" FOREIGN KEY ("publicationId") REFERENCES "Publication"("id") ON DELETE CASCADE ON UPDATE CASCADE;
