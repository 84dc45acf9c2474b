import { Option } from "commander";
import readline from "node:readline";
import type { z } from "zod";

/** Reads a secret: hidden prompt (twice) on a terminal, else the first line of stdin. */
export async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
  }
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      const out = rl as unknown as { _writeToOutput: (s: string) => void };
      let muted = false;
      out._writeToOutput = (s: string) => {
        if (!muted) process.stderr.write(s);
      };
      rl.question(q, (answer) => {
        rl.close();
        process.stderr.write("\n");
        resolve(answer);
      });
      muted = true;
    });
  const first = await ask(prompt);
  const second = await ask("Repeat: ");
  if (first !== second) throw new CliError("The two entries do not match");
  return first;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const roleOption = () => new Option("--role <role>", "admin | operator | viewer").choices(["admin", "operator", "viewer"]).makeOptionMandatory();

/** Validates a command's input with the shared schema; bad input exits 2 with each field's message (`labels`: a field's name on the command line). */
export async function parseOrFail<S extends z.ZodTypeAny>(schema: S, value: unknown, labels: Record<string, string> = {}): Promise<z.output<S>> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const { fieldErrors } = await import("@/lib/validation/common");
    const lines = Object.entries(fieldErrors(parsed.error)).map(([k, v]) => `  ${labels[k.split(".")[0]!] ?? k}: ${v}`);
    throw new CliError(`invalid input:\n${lines.join("\n")}`, 2);
  }
  return parsed.data;
}
