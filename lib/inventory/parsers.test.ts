import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv";
import { hostnameProblem } from "./hostname";
import { expandHostRange, ipSequence, splitList } from "./range";

describe("hostnameProblem", () => {
  it.each(["node001", "a", "web-1", "x".repeat(63)])("accepts %s", (n) => expect(hostnameProblem(n)).toBeNull());
  it.each([
    ["", "required"],
    ["-node", "RFC 1123"],
    ["node-", "RFC 1123"],
    ["node.lab", "RFC 1123"],
    ["Node1", "lower-case"],
    ["node 1", "shell"],
    ["node;rm", "shell"],
    ["node'1", "quotes"],
    ['no"de', "quotes"],
    ["no$(x)", "shell"],
    ["node\n2", "spaces"],
    ["x".repeat(64), "63"],
  ])("rejects %j (%s)", (n, why) => expect(hostnameProblem(n)).toContain(why));
});

describe("expandHostRange", () => {
  it("keeps zero padding", () => {
    const r = expandHostRange("node[001-003]");
    expect(r.ok && r.names).toEqual(["node001", "node002", "node003"]);
  });
  it("no padding, with a suffix", () => {
    const r = expandHostRange("r[9-11]-gpu");
    expect(r.ok && r.names).toEqual(["r9-gpu", "r10-gpu", "r11-gpu"]);
  });
  it.each(["node001", "node[3-1]", "node[1-20000]", "node[a-b]", "no de[1-2]"])("rejects %j", (p) => expect(expandHostRange(p).ok).toBe(false));
});

describe("ipSequence and splitList", () => {
  it("increments across octets", () => {
    const r = ipSequence("10.0.0.254", 3);
    expect(r.ok && r.ips).toEqual(["10.0.0.254", "10.0.0.255", "10.0.1.0"]);
  });
  it("refuses to run past the end", () => expect(ipSequence("255.255.255.255", 2).ok).toBe(false));
  it("splits pasted lists", () => expect(splitList("a\nb, c;d  e\r\n")).toEqual(["a", "b", "c", "d", "e"]));
});

describe("parseCsv", () => {
  it("quotes, escaped quotes, CRLF, blank lines, BOM and line numbers", () => {
    const r = parseCsv('\ufeffh,m\r\n"a,1","say ""hi"""\r\n\r\nb,2\n"multi\nline",3');
    expect(r).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ["h", "m"] },
        { line: 2, fields: ["a,1", 'say "hi"'] },
        { line: 4, fields: ["b", "2"] },
        { line: 5, fields: ["multi\nline", "3"] },
      ],
    });
  });
  it("empty fields and a trailing newline", () => {
    expect(parseCsv("a,,c\n")).toEqual({ ok: true, records: [{ line: 1, fields: ["a", "", "c"] }] });
  });
  it("an unclosed quote names its line", () => expect(parseCsv('a,b\n"oops,c\n')).toEqual({ ok: false, line: 2, reason: "a quoted field is never closed" }));
  it("text after a closing quote is an error", () => expect(parseCsv('"a"x,b').ok).toBe(false));
});
