import { NextResponse } from "next/server";
import { z } from "zod";
import { apiRoute } from "@/lib/api/handler";
import { copyVersion, setVersionStatus } from "@/lib/data/releases";
import { notFound } from "@/lib/errors";
import { versionLabel } from "@/lib/validation/release";

// POST …/activate, …/retire [{"expectMoved": N}: refused (409) unless N following hosts move],
// …/copy {"version": "2"} ("new version from this one")
const body = z.object({ version: versionLabel.optional(), expectMoved: z.number().int().min(0).optional() }).optional();

export const POST = apiRoute({ role: "operator", body }, async ({ actor, params, body }) => {
  const [name, version, op] = [String(params.name), String(params.version), String(params.op)];
  if (op === "activate") return setVersionStatus(actor, name, version, "active", { expectMoved: body?.expectMoved });
  if (op === "retire") return setVersionStatus(actor, name, version, "retired", { expectMoved: body?.expectMoved });
  if (op === "copy") {
    const target = z.object({ version: versionLabel }).parse(body ?? {});
    return NextResponse.json(await copyVersion(actor, name, version, target.version), { status: 201 });
  }
  throw notFound(`Operation ${op}`);
});
