import { describe, expect, it } from "vitest";

// A small model of GRUB 2's script lexer and of the part of its script language the generated
// configs use, to check them by what GRUB would do with them rather than by their text. The
// lexer follows the GRUB manual ("Shell-like scripting"): words are separated by blanks and the
// metacharacters ; { } | & < >; `#` at the start of a word starts a comment; single quotes keep
// everything literal (no escape inside them); double quotes keep everything but `$` and a
// backslash before $ " \ or a newline; an unquoted backslash escapes the next character; $NAME and
// ${NAME} expand (unquoted, the value is split into words). A .test.ts file so that it stays beside
// its users (grub.test.ts); it checks itself, too.

export type Token = { word: string } | { op: ";" | "{" | "}" };

export interface Lexed {
  tokens: Token[];
  /** the variables the line expanded, in order */
  expanded: string[];
}

const NAME = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?#*@])/;

/** One line of a GRUB script as GRUB reads it; `env` gives the values of variables. */
export function lexGrub(line: string, env: (name: string) => string = () => ""): Lexed {
  const tokens: Token[] = [];
  const expanded: string[] = [];
  let word: string | null = null;
  let i = 0;
  const end = () => {
    if (word !== null) tokens.push({ word });
    word = null;
  };
  /** After a `$`: the variable's name (i moves past it), or null for a literal `$`. */
  const name = (): string | null => {
    if (line[i] === "{") {
      const close = line.indexOf("}", i);
      if (close < 0) throw new Error(`unterminated \${ in ${JSON.stringify(line)}`);
      const n = line.slice(i + 1, close);
      i = close + 1;
      return n;
    }
    const m = NAME.exec(line.slice(i));
    if (!m) return null;
    i += m[0].length;
    return m[0];
  };
  while (i < line.length) {
    const c = line[i]!;
    if (c === " " || c === "\t") {
      end();
      i++;
    } else if (c === "#" && word === null) {
      break;
    } else if (c === ";" || c === "{" || c === "}") {
      end();
      tokens.push({ op: c });
      i++;
    } else if ("|&<>\n".includes(c)) {
      throw new Error(`unquoted ${JSON.stringify(c)} in ${JSON.stringify(line)}`);
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) throw new Error(`unterminated ' in ${JSON.stringify(line)}`);
      word = (word ?? "") + line.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      let w: string = word ?? "";
      for (i++; line[i] !== '"';) {
        if (i >= line.length) throw new Error(`unterminated " in ${JSON.stringify(line)}`);
        if (line[i] === "\\" && '$"\\'.includes(line[i + 1] ?? "")) {
          w += line[i + 1];
          i += 2;
        } else if (line[i] === "$") {
          i++;
          const n = name();
          if (n === null) w += "$";
          else {
            expanded.push(n);
            w += env(n);
          }
        } else w += line[i++];
      }
      i++;
      word = w;
    } else if (c === "\\") {
      word = (word ?? "") + (line[i + 1] ?? "");
      i += 2;
    } else if (c === "$") {
      i++;
      const n = name();
      if (n === null) word = `${word ?? ""}$`;
      else {
        expanded.push(n);
        // unquoted: the value's blanks separate words
        const parts = env(n).split(/[ \t]+/);
        parts.forEach((p, k) => {
          if (k > 0) end();
          if (p !== "" || k === 0) word = (word ?? "") + p;
        });
      }
    } else {
      word = (word ?? "") + c;
      i++;
    }
  }
  end();
  return { tokens, expanded };
}

/** The words of a line that has no operators. */
export function words(line: string, env?: (name: string) => string): string[] {
  return lexGrub(line, env).tokens.map((t) => {
    if (!("word" in t)) throw new Error(`operator ${t.op} in ${JSON.stringify(line)}`);
    return t.word;
  });
}

type Stmt =
  | { kind: "cmd"; line: string }
  | { kind: "if"; branches: { cond: string; body: Stmt[] }[]; otherwise: Stmt[] }
  | { kind: "function"; name: string; body: Stmt[] };

/**
 * The statements of a script as the generator lays them out: one command per line, `if CMD; then`,
 * `elif CMD; then`, `else`, `fi`, `function NAME {` and `}` on lines of their own.
 */
export function parseGrub(script: string): Stmt[] {
  const lines = script.split("\n").map((l) => l.trim());
  let at = 0;
  const cond = (line: string, keyword: string) => {
    const m = new RegExp(`^${keyword} (.*); then$`).exec(line);
    if (!m) throw new Error(`not a "${keyword} ...; then" line: ${line}`);
    return m[1]!;
  };
  const block = (until: string[]): Stmt[] => {
    const out: Stmt[] = [];
    for (; at < lines.length;) {
      const line = lines[at]!;
      if (line === "" || line.startsWith("#")) {
        at++;
        continue;
      }
      if (until.some((u) => line === u || line.startsWith(`${u} `))) return out;
      at++;
      if (line.startsWith("if ")) {
        const branches = [{ cond: cond(line, "if"), body: block(["elif", "else", "fi"]) }];
        while (lines[at]!.startsWith("elif ")) branches.push({ cond: cond(lines[at++]!, "elif"), body: block(["elif", "else", "fi"]) });
        let otherwise: Stmt[] = [];
        if (lines[at] === "else") {
          at++;
          otherwise = block(["fi"]);
        }
        if (lines[at++] !== "fi") throw new Error(`if without fi near line ${at}`);
        out.push({ kind: "if", branches, otherwise });
      } else if (line.startsWith("function ")) {
        const m = /^function ([A-Za-z_][A-Za-z0-9_]*) \{$/.exec(line);
        if (!m) throw new Error(`bad function line: ${line}`);
        const body = block(["}"]);
        if (lines[at++] !== "}") throw new Error(`function ${m[1]} without }`);
        out.push({ kind: "function", name: m[1]!, body });
      } else out.push({ kind: "cmd", line });
    }
    if (until.length) throw new Error(`end of script inside a block (waiting for ${until.join("/")})`);
    return out;
  };
  return block([]);
}

export type GrubOutcome =
  | { end: "boot"; kernel: string; args: string[]; initrds: string[]; tries: string[]; echoed: string[] }
  | { end: "reboot" | "exit" | "end"; tries: string[]; echoed: string[]; slept: number }
  | { end: "configfile"; file: string; echoed: string[] };

class Stop {
  constructor(readonly outcome: GrubOutcome) {}
}

/**
 * Runs a script: `up` says which TFTP servers answer (by address), `vars` are GRUB's own variables
 * (net_default_mac, net_default_server, prefix), `exists` which files configfile finds (a missing
 * one is no error to GRUB: configfile reads nothing and returns). Knows exactly the commands the
 * generator writes; anything else fails the test.
 */
export function runGrub(
  script: string,
  vars: Record<string, string>,
  up: (address: string) => boolean = () => true,
  exists: (file: string) => boolean = () => true,
): GrubOutcome {
  const env = new Map(Object.entries(vars));
  const functions = new Map<string, Stmt[]>();
  const tries: string[] = [];
  const echoed: string[] = [];
  let slept = 0;
  let kernel: { path: string; args: string[] } | null = null;
  let initrds: string[] = [];
  const server = (path: string) => {
    const m = /^\(tftp,([0-9.]+)\)\//.exec(path);
    if (!m) throw new Error(`not a TFTP path: ${path}`);
    return m[1]!;
  };
  /** A command's exit status (true: success). */
  const command = (line: string): boolean => {
    const w = words(line, (n) => env.get(n) ?? "");
    const [cmd, ...args] = w;
    switch (cmd) {
      case "set": {
        const [k, ...v] = args.join(" ").split("=");
        env.set(k!, v.join("="));
        return true;
      }
      case "echo":
        echoed.push(args.join(" "));
        return true;
      case "sleep":
        slept += Number(args[0]);
        return true;
      case "regexp": {
        const sets = args.filter((a) => a.startsWith("--set="));
        const [re, text] = args.filter((a) => !a.startsWith("--set="));
        const m = new RegExp(re!).exec(text!);
        if (!m) return false;
        for (const s of sets) {
          const [n, v] = s.slice("--set=".length).split(":");
          env.set(v!, m[Number(n)]!);
        }
        return true;
      }
      case "configfile":
        if (exists(args[0]!)) throw new Stop({ end: "configfile", file: args[0]!, echoed });
        return true;
      case "[": {
        if (args.length !== 4 || args[1] !== "=" || args[3] !== "]") throw new Error(`unexpected test: ${line}`);
        return args[0] === args[2];
      }
      case "linux": {
        const at = server(args[0]!);
        tries.push(`linux ${at}`);
        kernel = null;
        if (!up(at)) return false;
        kernel = { path: args[0]!, args: args.slice(1) };
        return true;
      }
      case "initrd": {
        const at = args.map(server);
        tries.push(`initrd ${[...new Set(at)].join(",")}`);
        initrds = [];
        if (!at.every(up)) return false;
        initrds = args;
        return true;
      }
      case "boot":
        if (!kernel || initrds.length === 0) return false;
        throw new Stop({ end: "boot", kernel: kernel.path, args: kernel.args, initrds, tries, echoed });
      case "reboot":
      case "exit":
        throw new Stop({ end: cmd, tries, echoed, slept });
      default: {
        const body = functions.get(cmd!);
        if (!body || args.length) throw new Error(`the interpreter does not know ${JSON.stringify(line)}`);
        run(body);
        return true;
      }
    }
  };
  const run = (stmts: Stmt[]) => {
    for (const s of stmts) {
      if (s.kind === "cmd") command(s.line);
      else if (s.kind === "function") functions.set(s.name, s.body);
      else {
        const taken = s.branches.find((b) => command(b.cond));
        run(taken ? taken.body : s.otherwise);
      }
    }
  };
  try {
    run(parseGrub(script));
  } catch (e) {
    if (e instanceof Stop) return e.outcome;
    throw e;
  }
  return { end: "end", tries, echoed, slept };
}

describe("the GRUB lexer model", () => {
  it("reads quotes, escapes and variables as the GRUB manual says", () => {
    const env = (n: string) => ({ a: "x y", prefix: "(tftp,10.0.0.1)/grub" })[n] ?? "";
    expect(words(`echo 'a b' "c d" e\\ f`)).toEqual(["echo", "a b", "c d", "e f"]);
    expect(words(`echo '$a' "$a" "\\$a" '\\'`, env)).toEqual(["echo", "$a", "x y", "$a", "\\"]);
    expect(words(`echo $a`, env)).toEqual(["echo", "x", "y"]);
    expect(words(`echo 'it'\\''s'`)).toEqual(["echo", "it's"]);
    expect(words(`configfile "\${prefix}/01-x.cfg"`, env)).toEqual(["configfile", "(tftp,10.0.0.1)/grub/01-x.cfg"]);
    expect(words(`echo a # b`)).toEqual(["echo", "a"]);
    expect(words(`echo a#b ''`)).toEqual(["echo", "a#b", ""]);
    expect(lexGrub(`if [ "$a" = 'b' ]; then`, env)).toEqual({
      tokens: [{ word: "if" }, { word: "[" }, { word: "x y" }, { word: "=" }, { word: "b" }, { word: "]" }, { op: ";" }, { word: "then" }],
      expanded: ["a"],
    });
    expect(lexGrub("function f {").tokens).toEqual([{ word: "function" }, { word: "f" }, { op: "{" }]);
    expect(() => lexGrub("echo 'a")).toThrow(/unterminated/);
    expect(() => lexGrub("echo a | b")).toThrow(/unquoted/);
  });

  it("runs functions, if/elif/else and the boot commands", () => {
    const script = [
      "function f {",
      "  if linux '(tftp,10.0.0.2)/k' 'a=1'; then",
      "    if initrd '(tftp,10.0.0.2)/i1' '(tftp,10.0.0.2)/i2'; then",
      "      boot",
      "    fi",
      "  fi",
      "}",
      "if [ \"$net_default_server\" = '10.0.0.9' ]; then",
      "  echo nine",
      "elif [ \"$net_default_server\" = '10.0.0.2' ]; then",
      "  f",
      "else",
      "  echo other",
      "fi",
      "reboot",
      "",
    ].join("\n");
    expect(runGrub(script, { net_default_server: "10.0.0.2" })).toMatchObject({ end: "boot", kernel: "(tftp,10.0.0.2)/k", args: ["a=1"] });
    expect(runGrub(script, { net_default_server: "10.0.0.2" }, () => false)).toMatchObject({ end: "reboot", tries: ["linux 10.0.0.2"] });
    expect(runGrub(script, { net_default_server: "10.0.0.9" })).toMatchObject({ end: "reboot", echoed: ["nine"] });
    expect(runGrub(script, { net_default_server: "10.0.0.1" })).toMatchObject({ end: "reboot", echoed: ["other"] });
  });
});
