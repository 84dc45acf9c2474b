-- CreateIndex
CREATE INDEX "Boot_startedAt_id_idx" ON "Boot"("startedAt", "id");
