-- AlterTable
ALTER TABLE "PublicationFile" ADD COLUMN "diffGzip" BLOB;
ALTER TABLE "PublicationFile" ADD COLUMN "host" TEXT;
