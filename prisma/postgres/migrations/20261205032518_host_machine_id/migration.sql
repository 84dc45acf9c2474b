-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "machineId" TEXT;

-- Every enrolled host gets its own random machine id (128 bits, as systemd makes them).
UPDATE "Host" SET "machineId" = md5(random()::text || clock_timestamp()::text || "id") WHERE "machineId" IS NULL;

-- CreateIndex
CREATE UNIQUE INDEX "Host_machineId_key" ON "Host"("machineId");
