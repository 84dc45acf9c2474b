import { describe, expect, it } from "vitest";
import { hostQuery, hostsHref, parseHostParams, sortHref, toHostQuery } from "./host-query";

describe("the hosts list's query", () => {
  it("the page's URL: first values, trimmed; unknown sorts, states, sizes and pages dropped", () => {
    const p = parseHostParams({ q: [" node0 ", "x"], cell: "", state: "bogus", sort: "ip", dir: "sideways", size: "100", page: "1", other: "x" });
    expect(p).toEqual({
      q: "node0",
      cell: undefined,
      release: undefined,
      network: undefined,
      tag: undefined,
      state: undefined,
      sort: "ip",
      dir: undefined,
      size: "100",
      page: undefined,
    });
    expect(parseHostParams({ size: "30", page: "3", state: "pending", q: "a".repeat(300) })).toMatchObject({
      size: undefined,
      page: "3",
      state: "pending",
      q: "a".repeat(200),
    });
    expect(toHostQuery(parseHostParams({ page: "3", state: "up" }))).toMatchObject({ state: "up", page: 3, pageSize: 50 });
    expect(toHostQuery(parseHostParams({}))).toMatchObject({ page: 1, pageSize: 50 });
    expect(toHostQuery(parseHostParams({ identity: "mismatch" }))).toMatchObject({ identity: "mismatch" });
    expect(parseHostParams({ identity: "bogus" }).identity).toBeUndefined();
    expect(hostsHref(parseHostParams({ identity: "awaiting", state: "up" }))).toBe("/hosts?state=up&identity=awaiting");
  });

  it("links keep the view and go back to page 1 on a new sort", () => {
    const p = parseHostParams({ q: "node", sort: "ip", page: "4" });
    expect(hostsHref(p, { tag: "render" })).toBe("/hosts?q=node&tag=render&sort=ip&page=4");
    expect(sortHref(p, "ip")).toBe("/hosts?q=node&sort=ip&dir=desc");
    expect(sortHref(p, "mac")).toBe("/hosts?q=node&sort=mac&dir=asc");
  });

  it("the API's query: a bad value is refused, not dropped", () => {
    expect(hostQuery.parse({ state: "never", page: "2", pageSize: "500" })).toEqual({ state: "never", page: 2, pageSize: 500 });
    for (const bad of [{ state: "bogus" }, { identity: "pinned" }, { sort: "size" }, { pageSize: "501" }, { page: "0" }, { tag: "t".repeat(41) }])
      expect(hostQuery.safeParse(bad).success).toBe(false);
  });
});
