-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "secureBoot" BOOLEAN;

-- AlterTable
ALTER TABLE "Network" ADD COLUMN     "secureBoot" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "ReleaseVersion" ADD COLUMN     "signedKernel" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "signedModules" BOOLEAN NOT NULL DEFAULT false;
