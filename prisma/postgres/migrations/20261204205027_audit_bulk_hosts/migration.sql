-- CreateTable
CREATE TABLE "AuditHost" (
    "entryId" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "hostName" TEXT NOT NULL,

    CONSTRAINT "AuditHost_pkey" PRIMARY KEY ("entryId","hostId")
);

-- CreateIndex
CREATE INDEX "AuditHost_hostId_idx" ON "AuditHost"("hostId");

-- CreateIndex
CREATE INDEX "AuditHost_hostName_idx" ON "AuditHost"("hostName");

-- CreateIndex
CREATE INDEX "AuditEntry_action_at_idx" ON "AuditEntry"("action", "at");

-- AddForeignKey
ALTER TABLE "AuditHost" ADD CONSTRAINT "AuditHost_entryId_fkey" FOREIGN KEY ("entryId") REFERENCES "AuditEntry"("id") ON DELETE CASCADE ON UPDATE CASCADE;
