import { NextResponse } from "next/server";
import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { createVersion } from "@/lib/data/releases";
import { versionInput } from "@/lib/validation/release";

/** Creates a draft version; `?activate=true` activates it at once. */
export const POST = apiRoute(
  { role: "operator", body: versionInput, query: z.object({ activate: z.enum(["true", "false"]).optional() }) },
  async ({ actor, params, body, query }) =>
    NextResponse.json(await createVersion(actor, String(params.name), body, { activate: query.activate === "true" }), { status: 201 }),
);
