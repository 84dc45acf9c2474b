-- AlterTable
ALTER TABLE "PublicationFile" ADD COLUMN     "diffGzip" BYTEA,
ADD COLUMN     "host" TEXT;
