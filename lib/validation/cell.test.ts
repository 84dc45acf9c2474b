import { describe, expect, it } from "vitest";
import { KDCS_NEED_REALM, REALM_NEEDS_KDCS, cellInput } from "./cell";
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

describe("cellInput: Kerberos realm and KDCs", () => {
  it("takes a realm and its KDCs from a form (comma-separated) or JSON (a list), in order, names lower-cased", () => {
    expect(cellInput.parse({ ...good, realm: "LAB.TEST", kdcs: "10.0.0.5, KDC2.Example.org:88" })).toMatchObject({
      realm: "LAB.TEST",
      kdcs: ["10.0.0.5", "kdc2.example.org:88"],
    });
    expect(cellInput.parse({ ...good, realm: " EXAMPLE.ORG ", kdcs: ["kdc:750", "10.0.0.6:88"] })).toMatchObject({
      realm: "EXAMPLE.ORG",
      kdcs: ["kdc:750", "10.0.0.6:88"],
    });
  });
  it("no realm: null, and no KDCs (absent, empty or null)", () => {
    for (const none of [{}, { realm: "", kdcs: "" }, { realm: null, kdcs: [] }, { realm: "  " }]) {
      expect(cellInput.parse({ ...good, ...none })).toMatchObject({ realm: null, kdcs: [] });
    }
  });
  it.each(["LAB.TEST", "EXAMPLE.ORG", "A", "AD-1.CORP.EXAMPLE.COM", "X".repeat(63) + ".TEST"])("accepts the realm %j", (realm) =>
    expect(errorsOf({ ...good, realm, kdcs: "10.0.0.5" })).toEqual({}),
  );
  it.each([
    ["lab.test", "must be written in upper case, like LAB.TEST"],
    ["Lab.Test", "must be written in upper case, like LAB.TEST"],
    ["LAB TEST", "must be like LAB.TEST"],
    ["LAB..TEST", "must be like LAB.TEST"],
    [".LAB.TEST", "must be like LAB.TEST"],
    ["LAB.TEST.", "must be like LAB.TEST"],
    ["-LAB.TEST", "must be like LAB.TEST"],
    ["LAB.TEST;reboot", "must be like LAB.TEST"],
    ['LAB"TEST', "must be like LAB.TEST"],
    ["LAB.TEST\n[realms]", "must be like LAB.TEST"],
    ["A".repeat(254), "at most 253 characters"],
  ])("refuses the realm %j at the field", (realm, message) => expect(errorsOf({ ...good, realm, kdcs: "10.0.0.5" }).realm).toContain(message));

  it("refuses a realm without KDCs, with the message at the KDCs field", () => {
    for (const kdcs of [undefined, "", [], null]) {
      expect(errorsOf({ ...good, realm: "LAB.TEST", kdcs })).toEqual({ kdcs: REALM_NEEDS_KDCS });
    }
    expect(REALM_NEEDS_KDCS).toBe("A Kerberos realm needs its KDCs: list at least one (host or host:port), or clear the realm");
  });
  it("refuses KDCs without a realm, at the realm field", () => {
    expect(errorsOf({ ...good, kdcs: "10.0.0.5" })).toEqual({ realm: KDCS_NEED_REALM });
    expect(errorsOf({ ...good, realm: "", kdcs: ["kdc.example.org"] })).toEqual({ realm: KDCS_NEED_REALM });
  });
  it.each([
    ["10.0.0.256", "must be a host name or IPv4 address"],
    ["10.0.0", "must be a host name or IPv4 address"],
    ["kdc.example.org:0", "the port must be between 1 and 65535"],
    ["kdc.example.org:65536", "the port must be between 1 and 65535"],
    ["kdc.example.org:88:88", "must be a host name or IPv4 address"],
    ["kdc.example.org:port", "must be a host name or IPv4 address"],
    ["kdc.example.org:", "must be a host name or IPv4 address"],
    ["[fe80::1]:88", "must be a host name or IPv4 address"],
    ["kdc_1.example.org", "must be a host name or IPv4 address"],
    ["kdc;reboot", "must be a host name or IPv4 address"],
    ["-kdc.example.org", "must be a host name or IPv4 address"],
  ])("refuses the KDC %j, naming it", (kdc, message) => {
    const e = errorsOf({ ...good, realm: "LAB.TEST", kdcs: ["10.0.0.5", kdc] });
    expect(e["kdcs.1"]).toContain(message);
    expect(e.kdcs).toMatch(/^item 2: KDC /);
  });
  it("accepts ports 1 and 65535, refuses more than 10 KDCs and one listed twice", () => {
    expect(errorsOf({ ...good, realm: "LAB.TEST", kdcs: "kdc:1, kdc:65535" })).toEqual({});
    const eleven = Array.from({ length: 11 }, (_, i) => `10.0.0.${i + 1}`);
    expect(errorsOf({ ...good, realm: "LAB.TEST", kdcs: eleven }).kdcs).toBe("at most 10 KDCs");
    expect(errorsOf({ ...good, realm: "LAB.TEST", kdcs: eleven.slice(0, 10) })).toEqual({});
    expect(errorsOf({ ...good, realm: "LAB.TEST", kdcs: "kdc.example.org, KDC.example.org" })["kdcs.1"]).toBe("KDC kdc.example.org is listed twice");
  });
  it("refuses KDCs that are not text", () => {
    expect(errorsOf({ ...good, realm: "LAB.TEST", kdcs: [88] })["kdcs.0"]).toBe("KDC must be text");
    expect(errorsOf({ ...good, realm: 7, kdcs: "kdc" }).realm).toBe("Kerberos realm must be text");
  });
});
