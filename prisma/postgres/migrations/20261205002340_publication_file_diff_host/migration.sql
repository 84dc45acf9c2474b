-- AlterTable
ALTER TABLE "PublicationFile" ADD COLUMN     "diffGzip" BYTEA,
ADD COLUMN     "diffWholeSize" INTEGER,
ADD COLUMN     "host" TEXT;

-- CreateIndex
CREATE INDEX "PublicationFile_path_idx" ON "PublicationFile"("path");
