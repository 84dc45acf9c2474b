import { NextResponse } from "next/server";
import { apiRoute, listQuery } from "@/lib/api/handler";
import { createCell, listCells } from "@/lib/data/cells";
import { cellInput } from "@/lib/validation/cell";

export const GET = apiRoute({ role: "viewer", query: listQuery }, ({ actor, query }) => listCells(actor, query));

export const POST = apiRoute({ role: "operator", body: cellInput }, async ({ actor, body }) =>
  NextResponse.json(await createCell(actor, body), { status: 201 }),
);
