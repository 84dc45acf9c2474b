-- CreateTable
CREATE TABLE "Delivery" (
    "id" TEXT NOT NULL,
    "publicationId" TEXT NOT NULL,
    "server" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "message" TEXT,
    "durationMs" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Delivery_server_at_idx" ON "Delivery"("server", "at");

-- CreateIndex
CREATE INDEX "Delivery_publicationId_idx" ON "Delivery"("publicationId");

-- AddForeignKey
ALTER TABLE "Delivery" ADD CONSTRAINT "Delivery_publicationId_fkey" FOREIGN KEY ("publicationId") REFERENCES "Publication"("id") ON DELETE CASCADE ON UPDATE CASCADE;
