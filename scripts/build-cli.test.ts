import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- a plain ES module of the launcher's (no types)
import { CACHE_DIR, STAMP, buildCli, freshBundle } from "./build-cli.mjs";

// The launcher runs the bundle only when its stamp matches the sources and the code is no easier
// to change than they are; otherwise it builds again (or runs tsx). The global setup built it.
// Each change below is undone at once; a CLI run of another test meanwhile just builds again.

const main = (): string | null => freshBundle();

describe("the CLI bundle's stamp", () => {
  it("names a main module that exists while the sources are unchanged", () => {
    const m = main();
    expect(m).toMatch(/\/b-[^/]+\/main\.js$/);
    expect(fs.existsSync(m!)).toBe(true);
    expect(path.dirname(path.dirname(m!))).toBe(CACHE_DIR);
  });

  it("is not trusted when others may write it", () => {
    fs.chmodSync(STAMP, 0o664);
    try {
      expect(main()).toBeNull();
    } finally {
      fs.chmodSync(STAMP, 0o644);
    }
    expect(main()).not.toBeNull();
  });

  it("a stamp whose build folder is gone asks for a build instead of failing to import", () => {
    const original = fs.readFileSync(STAMP, "utf8");
    const stamp = JSON.parse(original) as { main: string };
    const tmp = `${STAMP}.test-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ ...stamp, main: "b-gone/main.js" }), { mode: 0o644 });
    fs.renameSync(tmp, STAMP);
    try {
      expect(main()).toBeNull();
    } finally {
      fs.writeFileSync(tmp, original, { mode: 0o644 });
      fs.renameSync(tmp, STAMP);
    }
  });

  it("a source whose ctime changed is stale, even with its mtime and size as they were", async () => {
    const stamp = JSON.parse(fs.readFileSync(STAMP, "utf8")) as { inputs: Record<string, number[]> };
    const file = Object.keys(stamp.inputs).find((f) => f.startsWith("lib/cli/"))!;
    const abs = path.resolve(file);
    const st = fs.statSync(abs);
    // (a chmod to the same mode: only the ctime moves, as when a tree is unpacked with old mtimes)
    fs.chmodSync(abs, st.mode);
    expect(fs.statSync(abs).mtimeMs).toBe(st.mtimeMs);
    expect(main()).toBeNull();
    // built again for the other tests' CLI runs (as the first of them would)
    expect(await buildCli()).toMatch(/main\.js$/);
    expect(main()).not.toBeNull();
  });

  it("holds Prisma's query compiler as the text its module exports, beside the chunks; that module changed is stale", async () => {
    const m = main()!;
    const spec = "@prisma/client/runtime/query_compiler_fast_bg.sqlite.wasm-base64.mjs";
    const { wasm } = (await import(spec)) as { wasm: string };
    expect(fs.readFileSync(path.join(path.dirname(m), "query_compiler_fast_bg.sqlite.wasm-base64.txt"), "latin1")).toBe(wasm);
    // no chunk holds the base64 literal itself (4.4 MB to scan on every start)
    for (const f of fs.readdirSync(path.dirname(m)).filter((x) => x.endsWith(".js")))
      expect(fs.statSync(path.join(path.dirname(m), f)).size).toBeLessThan(2 << 20);
    const stamp = JSON.parse(fs.readFileSync(STAMP, "utf8")) as { inputs: Record<string, number[]>; wasm: string[] };
    expect(stamp.wasm).toContain("query_compiler_fast_bg.sqlite.wasm-base64.txt");
    // the text gone (or writable by others): built again rather than failing at the first query
    const text = path.join(path.dirname(m), "query_compiler_fast_bg.sqlite.wasm-base64.txt");
    fs.chmodSync(text, 0o666);
    expect(main()).toBeNull();
    fs.chmodSync(text, 0o644);
    expect(main()).toBe(m);
    const source = path.relative(path.resolve("."), fileURLToPath(import.meta.resolve(spec)));
    expect(stamp.inputs[source]).toBeDefined();
    // (a chmod to the same mode: its ctime moves, as an upgrade of the package would change it)
    fs.chmodSync(source, fs.statSync(source).mode);
    expect(main()).toBeNull();
    expect(await buildCli()).toMatch(/main\.js$/);
    expect(main()).not.toBeNull();
  });
});
