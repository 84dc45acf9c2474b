-- AlterTable
ALTER TABLE "Network" ADD COLUMN "dhcpEventHook" TEXT;
