-- CreateIndex
CREATE INDEX "Boot_startedAt_id_idx" ON "Boot"("startedAt", "id");

-- CreateIndex
CREATE INDEX "Boot_state_startedAt_id_idx" ON "Boot"("state", "startedAt", "id");
