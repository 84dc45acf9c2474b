-- AlterTable
ALTER TABLE "Network" ADD COLUMN "bootServers" JSONB;
ALTER TABLE "Network" ADD COLUMN "dhcpFailover" TEXT;
