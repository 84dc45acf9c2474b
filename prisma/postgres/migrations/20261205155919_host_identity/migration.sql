-- CreateEnum
CREATE TYPE "IdentityMode" AS ENUM ('none', 'tpm', 'port');

-- CreateEnum
CREATE TYPE "IdentityEnrolment" AS ENUM ('approve', 'tofu');

-- AlterTable
ALTER TABLE "Network" ADD COLUMN     "identity" "IdentityMode" NOT NULL DEFAULT 'none',
ADD COLUMN     "identityEnrolment" "IdentityEnrolment" NOT NULL DEFAULT 'approve';

-- AlterTable
ALTER TABLE "Cell" ADD COLUMN     "realm" TEXT,
ADD COLUMN     "kdcs" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "identity" "IdentityMode";

-- CreateTable
CREATE TABLE "HostTpm" (
    "hostId" TEXT NOT NULL,
    "ekPublic" TEXT,
    "akPublic" TEXT,
    "ekFingerprint" TEXT,
    "akName" TEXT,
    "pinnedAt" TIMESTAMP(3),
    "pinnedBy" TEXT,
    "candidateEkPublic" TEXT,
    "candidateAkPublic" TEXT,
    "candidateFingerprint" TEXT,
    "candidateAt" TIMESTAMP(3),
    "candidateIp" TEXT,
    "mismatch" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HostTpm_pkey" PRIMARY KEY ("hostId")
);

-- CreateTable
CREATE TABLE "HostSecrets" (
    "hostId" TEXT NOT NULL,
    "sshKeys" TEXT,
    "sshPublic" TEXT,
    "sshCreatedAt" TIMESTAMP(3),
    "keytab" TEXT,
    "keytabSummary" TEXT,
    "keytabPrincipal" TEXT,
    "keytabKvno" INTEGER,
    "keytabSource" TEXT,
    "keytabAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HostSecrets_pkey" PRIMARY KEY ("hostId")
);

-- CreateTable
CREATE TABLE "IdentityActivation" (
    "id" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "bootId" TEXT NOT NULL,
    "mode" "IdentityMode" NOT NULL,
    "keySealed" TEXT,
    "ip" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "deliveredAt" TIMESTAMP(3),
    "ekFingerprint" TEXT,
    "akName" TEXT,
    "akPublic" TEXT,
    "deliveredBoot" TEXT,

    CONSTRAINT "IdentityActivation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "IdentityActivation_expiresAt_idx" ON "IdentityActivation"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "IdentityActivation_deliveredBoot_key" ON "IdentityActivation"("deliveredBoot");

-- CreateIndex
CREATE INDEX "IdentityActivation_hostId_bootId_idx" ON "IdentityActivation"("hostId", "bootId");

-- AddForeignKey
ALTER TABLE "HostTpm" ADD CONSTRAINT "HostTpm_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HostSecrets" ADD CONSTRAINT "HostSecrets_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdentityActivation" ADD CONSTRAINT "IdentityActivation_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;
