-- AlterTable
ALTER TABLE "Network" ADD COLUMN     "bootServers" JSONB,
ADD COLUMN     "dhcpFailover" TEXT;
