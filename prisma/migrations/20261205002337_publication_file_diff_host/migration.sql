-- AlterTable
ALTER TABLE "PublicationFile" ADD COLUMN "diffGzip" BLOB;
ALTER TABLE "PublicationFile" ADD COLUMN "diffWholeSize" INTEGER;
ALTER TABLE "PublicationFile" ADD COLUMN "host" TEXT;

-- CreateIndex
CREATE INDEX "PublicationFile_path_idx" ON "PublicationFile"("path");
