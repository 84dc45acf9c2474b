import { AppError } from "@/lib/errors";

/** What a refused call answered (status, message, fields); a call that was not refused fails the test. */
export async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { status: e.status, message: e.message, fields: e.fields ?? {} };
    throw e;
  }
  throw new Error("not refused");
}
