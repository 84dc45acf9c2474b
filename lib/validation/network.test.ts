import { describe, expect, it } from "vitest";
import { fieldErrors } from "./common";
import { networkInput } from "./network";

const good = {
  name: "lab",
  subnet: "10.0.0.0/24",
  gateway: "10.0.0.1",
  dns: "10.0.0.1, 10.0.0.2",
  domain: "lab.example.org",
  bootServer: "10.0.0.1",
  reportUrl: "http://10.0.0.1:3000",
  notes: "",
};

const errorsOf = (input: object) => {
  const r = networkInput.safeParse(input);
  return r.success ? {} : fieldErrors(r.error);
};

describe("networkInput", () => {
  it("accepts a form submission and normalises it", () => {
    const r = networkInput.parse(good);
    expect(r.dns).toEqual(["10.0.0.1", "10.0.0.2"]);
    expect(r.subnet).toBe("10.0.0.0/24");
  });
  it("accepts JSON arrays and no domain", () => {
    expect(networkInput.parse({ ...good, dns: ["10.0.0.1"], domain: undefined }).domain).toBeNull();
    expect(networkInput.parse({ ...good, domain: "" }).domain).toBeNull();
  });
  it("refuses a gateway outside the subnet", () => {
    expect(errorsOf({ ...good, gateway: "10.0.1.1" }).gateway).toBe("Gateway 10.0.1.1 lies outside 10.0.0.0/24");
  });
  it("refuses the network address as gateway", () => {
    expect(errorsOf({ ...good, gateway: "10.0.0.0" }).gateway).toMatch(/network or broadcast/);
  });
  it("refuses host bits in the subnet", () => {
    expect(errorsOf({ ...good, subnet: "10.0.0.7/24" }).subnet).toMatch(/did you mean 10.0.0.0\/24/);
  });
  it.each([
    ["name", "", "Name is required"],
    ["name", "x".repeat(64), "at most 63"],
    ["name", "bad name", "may use letters"],
    ["dns", "", "at least one DNS server"],
    ["dns", "10.0.0.300", "IPv4"],
    ["bootServer", "boot", "IPv4"],
    ["reportUrl", "ftp://x", "http://"],
    ["reportUrl", "http://user:pw@x", "http://"],
    ["reportUrl", "http://10.0.0.1:3000/?a=b&c", "no query"],
    ["domain", "not a domain", "DNS-style"],
    ["bootUrl", "ftp://x/", "plain http://"],
    ["bootUrl", "http://x/a:b/", "plain http://"],
    ["bootUrl", "http://x/?q", "plain http://"],
    ["bootUrl", `http://${"x".repeat(80)}/`, "at most 80"],
    ["notes", "n".repeat(2001), "at most 2000"],
  ])("refuses a bad %s (%#)", (field, value, message) => {
    expect(errorsOf({ ...good, [field]: value })[field]).toContain(message);
  });
  it("takes an optional boot files URL, always ending in /", () => {
    expect(networkInput.parse(good).bootUrl).toBeNull();
    expect(networkInput.parse({ ...good, bootUrl: "" }).bootUrl).toBeNull();
    expect(networkInput.parse({ ...good, bootUrl: "http://10.0.0.1:3000/boot" }).bootUrl).toBe("http://10.0.0.1:3000/boot/");
    expect(networkInput.parse({ ...good, bootUrl: "https://boot.example.org/" }).bootUrl).toBe("https://boot.example.org/");
  });
  it("refuses missing fields with a message each", () => {
    const e = errorsOf({});
    expect(Object.keys(e)).toEqual(expect.arrayContaining(["name", "subnet", "gateway", "bootServer", "reportUrl"]));
  });
});
