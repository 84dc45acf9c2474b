-- CreateIndex
CREATE INDEX "Boot_state_id_idx" ON "Boot"("state", "id");
