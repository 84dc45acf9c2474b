import { z } from "zod";
import { checkbox, dnsName, ipv4, optionalText, revision } from "./common";
import { afsPath } from "./paths";

export const AFS_CLIENTS = ["kafs", "openafs"] as const;

export const cellServer = z.object({
  name: dnsName("Server name"),
  ip: ipv4("Server IP"),
});

export const cellInput = z
  .object({
    name: dnsName("Cell name"),
    client: z.enum(AFS_CLIENTS, { error: "choose kafs or openafs" }),
    bootRoot: afsPath("Boot root"),
    cacheMemcache: checkbox,
    cacheBlocks: z.coerce
      .number({ error: "Cache blocks must be a number" })
      .int("Cache blocks must be a whole number")
      .min(1024, "Cache blocks must be at least 1024")
      .max(64 * 1024 * 1024, "Cache blocks must be at most 67108864"),
    servers: z
      .array(cellServer, { error: "at least one database server is required" })
      .min(1, "at least one database server is required")
      .max(16, "at most 16 database servers"),
    notes: optionalText("Notes"),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.servers.forEach((s, i) => {
      if (seen.has(s.ip)) ctx.addIssue({ code: "custom", path: ["servers", i, "ip"], message: `${s.ip} is listed twice` });
      seen.add(s.ip);
    });
  });

export type CellInput = z.output<typeof cellInput>;

export const cellUpdate = z.intersection(cellInput, z.object({ revision }));
export type CellUpdate = z.output<typeof cellUpdate>;
