-- AlterTable
ALTER TABLE "Network" ADD COLUMN "reportUrls" JSONB;
