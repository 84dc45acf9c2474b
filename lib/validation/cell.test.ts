import { describe, expect, it } from "vitest";
import { cellInput } from "./cell";
import { fieldErrors } from "./common";

const good = {
  name: "Example.org",
  client: "kafs",
  bootRoot: "/afs/example.org/boot",
  cacheMemcache: "on",
  cacheBlocks: "65536",
  servers: [{ name: "afsdb1.example.org", ip: "10.0.0.5" }],
};
const errorsOf = (input: object) => {
  const r = cellInput.safeParse(input);
  return r.success ? {} : fieldErrors(r.error);
};

describe("cellInput", () => {
  it("accepts a form submission, lower-cases the name and coerces numbers", () => {
    const r = cellInput.parse(good);
    expect(r).toMatchObject({ name: "example.org", cacheMemcache: true, cacheBlocks: 65536 });
  });
  it("unchecked memcache is false", () => expect(cellInput.parse({ ...good, cacheMemcache: undefined }).cacheMemcache).toBe(false));
  it("refuses a cell name that is not DNS-style", () => {
    expect(errorsOf({ ...good, name: "my cell" }).name).toMatch(/DNS-style/);
    expect(errorsOf({ ...good, name: "localcell" }).name).toMatch(/DNS-style/);
  });
  it("refuses a server IP that is not IPv4, naming the row", () => {
    expect(errorsOf({ ...good, servers: [{ name: "db.example.org", ip: "10.0.0.256" }] })["servers.0.ip"]).toMatch(/IPv4/);
    expect(errorsOf({ ...good, servers: [{ name: "db.example.org", ip: "fe80::1" }] })["servers.0.ip"]).toMatch(/IPv4/);
  });
  it("refuses no servers and duplicate IPs", () => {
    expect(errorsOf({ ...good, servers: [] }).servers).toMatch(/at least one/);
    expect(errorsOf({ ...good, servers: undefined }).servers).toMatch(/at least one/);
    const dup = errorsOf({ ...good, servers: [good.servers[0], { name: "b.example.org", ip: "10.0.0.5" }] });
    expect(dup["servers.1.ip"]).toMatch(/listed twice/);
  });
  it.each([
    ["bootRoot", "/srv/boot", "under /afs/"],
    ["bootRoot", "/afs/x.org/../etc", "'..'"],
    ["bootRoot", "/afs/x.org/my boot", "whitespace"],
    ["bootRoot", '/afs/x.org/"boot', "quotes"],
    ["client", "arla", "kafs or openafs"],
    ["cacheBlocks", "lots", "number"],
    ["cacheBlocks", "100", "at least 1024"],
    ["cacheBlocks", "1.5", "whole number"],
  ])("refuses %s=%j", (field, value, message) => expect(errorsOf({ ...good, [field]: value })[field]).toContain(message));
});
