-- AlterTable
ALTER TABLE "Network" ADD COLUMN "discoveryRange" TEXT;
