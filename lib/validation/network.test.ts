import { describe, expect, it } from "vitest";
import { fieldErrors } from "./common";
import { MAX_DISCOVERY_RANGE, MAX_HOOK_PATH, bootServerConflicts, networkInput } from "./network";

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
  it("takes Secure Boot as a form checkbox or a JSON boolean (absent: off) and refuses anything else", () => {
    expect(networkInput.parse(good).secureBoot).toBe(false);
    expect(networkInput.parse({ ...good, secureBoot: "on" }).secureBoot).toBe(true);
    expect(networkInput.parse({ ...good, secureBoot: true }).secureBoot).toBe(true);
    expect(networkInput.parse({ ...good, secureBoot: false }).secureBoot).toBe(false);
    expect(errorsOf({ ...good, secureBoot: "yes" }).secureBoot).toBe("Secure Boot must be true or false");
  });
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
  describe("discovery range", () => {
    const range = (discoveryRange: unknown, over: object = {}) => networkInput.safeParse({ ...good, ...over, discoveryRange });
    const rangeError = (discoveryRange: unknown, over: object = {}) => errorsOf({ ...good, ...over, discoveryRange }).discoveryRange;

    it("is optional: absent, empty or null is no range", () => {
      expect(networkInput.parse(good).discoveryRange).toBeNull();
      expect(range("").data?.discoveryRange).toBeNull();
      expect(range("  ").data?.discoveryRange).toBeNull();
      expect(range(null).data?.discoveryRange).toBeNull();
    });
    it("is normalised to START-END", () => {
      expect(range("10.0.0.200-10.0.0.220").data?.discoveryRange).toBe("10.0.0.200-10.0.0.220");
      expect(range(" 10.0.0.200 - 10.0.0.220 ").data?.discoveryRange).toBe("10.0.0.200-10.0.0.220");
      expect(range("10.0.0.200-10.0.0.200").data?.discoveryRange).toBe("10.0.0.200-10.0.0.200");
      // the first and last host addresses are fine
      expect(range("10.0.0.3-10.0.0.254").data?.discoveryRange).toBe("10.0.0.3-10.0.0.254");
    });
    it.each([
      ["10.0.0.200", "must be two IPv4 addresses like 10.0.0.200-10.0.0.220"],
      ["10.0.0.200-", "must be two IPv4 addresses"],
      ["10.0.0.200-10.0.0.300", "must be two IPv4 addresses"],
      ["10.0.0.200 10.0.0.220", "must be two IPv4 addresses"],
      ["10.0.0.200-10.0.0.210-10.0.0.220", "must be two IPv4 addresses"],
      ["10.0.0.0/24", "must be two IPv4 addresses"],
      ["x".repeat(41), "at most 40 characters"],
      ["10.0.0.220-10.0.0.200", "Discovery range 10.0.0.220-10.0.0.200 starts after it ends"],
      ["10.0.1.200-10.0.1.220", "Discovery range 10.0.1.200-10.0.1.220 lies outside the subnet 10.0.0.0/24"],
      ["10.0.0.200-10.0.1.20", "lies outside the subnet 10.0.0.0/24"],
      ["9.255.255.250-10.0.0.20", "lies outside the subnet"],
      ["10.0.0.0-10.0.0.20", "includes the network address 10.0.0.0"],
      ["10.0.0.200-10.0.0.255", "includes the broadcast address 10.0.0.255"],
      ["10.0.0.1-10.0.0.20", "includes the gateway 10.0.0.1"],
    ])("refuses %j", (value, message) => {
      expect(rangeError(value)).toContain(message);
    });
    it("refuses the boot server, a DNS server and the console's address inside it", () => {
      expect(rangeError("10.0.0.200-10.0.0.220", { bootServer: "10.0.0.210" })).toBe(
        "Discovery range 10.0.0.200-10.0.0.220 includes the boot server 10.0.0.210: machines that are not enrolled would be handed its address",
      );
      expect(rangeError("10.0.0.200-10.0.0.220", { dns: "10.0.0.1, 10.0.0.220" })).toContain("includes the DNS server 10.0.0.220");
      expect(rangeError("10.0.0.200-10.0.0.220", { reportUrl: "http://10.0.0.200:3000" })).toContain("includes the report URL's address 10.0.0.200");
      expect(rangeError("10.0.0.200-10.0.0.220", { bootUrl: "http://10.0.0.219/boot/" })).toContain("includes the boot files URL's address 10.0.0.219");
      // a name or an address outside the range is fine
      expect(rangeError("10.0.0.200-10.0.0.220", { reportUrl: "http://console.example.org:3000" })).toBeUndefined();
    });
    it("refuses a subnet change that leaves the range outside", () => {
      expect(
        rangeError("10.0.0.200-10.0.0.220", {
          subnet: "10.1.0.0/24",
          gateway: "10.1.0.1",
          bootServer: "10.1.0.1",
          dns: "10.1.0.1",
          reportUrl: "http://10.1.0.1:3000",
        }),
      ).toBe("Discovery range 10.0.0.200-10.0.0.220 lies outside the subnet 10.1.0.0/24: choose addresses inside it, or clear the range");
      expect(rangeError("10.0.0.200-10.0.0.220", { subnet: "10.0.0.0/25" })).toContain("lies outside the subnet 10.0.0.0/25");
      expect(range("10.0.0.200-10.0.0.220", { subnet: "10.0.0.0/16" }).success).toBe(true);
    });
    it(`refuses more than ${MAX_DISCOVERY_RANGE} addresses`, () => {
      const wide = { subnet: "10.0.0.0/8", gateway: "10.0.0.1", bootServer: "10.0.0.1", dns: "10.0.0.1", reportUrl: "http://10.0.0.1:3000" };
      expect(range("10.1.0.0-10.1.255.255", wide).success).toBe(true);
      expect(rangeError("10.1.0.0-10.2.0.0", wide)).toBe(`Discovery range 10.1.0.0-10.2.0.0 holds 65537 addresses; at most ${MAX_DISCOVERY_RANGE}`);
    });
  });

  describe("DHCP event hook", () => {
    const hook = (dhcpEventHook: unknown) => networkInput.safeParse({ ...good, dhcpEventHook });
    const hookError = (dhcpEventHook: unknown) => errorsOf({ ...good, dhcpEventHook }).dhcpEventHook;

    it("is optional: absent, empty or null is no hook", () => {
      expect(networkInput.parse(good).dhcpEventHook).toBeNull();
      expect(hook("").data?.dhcpEventHook).toBeNull();
      expect(hook("  ").data?.dhcpEventHook).toBeNull();
      expect(hook(null).data?.dhcpEventHook).toBeNull();
    });
    it.each([
      ["/usr/local/sbin/afsboot-dhcp-event", "/usr/local/sbin/afsboot-dhcp-event"],
      [" /usr/local/sbin/afsboot-dhcp-event ", "/usr/local/sbin/afsboot-dhcp-event"],
      ["/opt/afsboot_1.2/bin/dhcp+event", "/opt/afsboot_1.2/bin/dhcp+event"],
      ["/x", "/x"],
      [`/${"a".repeat(MAX_HOOK_PATH - 1)}`, `/${"a".repeat(MAX_HOOK_PATH - 1)}`],
    ])("accepts %j", (value, stored) => {
      expect(hook(value).data?.dhcpEventHook).toBe(stored);
    });
    it.each([
      ["afsboot-dhcp-event", "DHCP event hook must be an absolute path on the DHCP server, like /usr/local/sbin/afsboot-dhcp-event"],
      ["./afsboot-dhcp-event", "must be an absolute path"],
      ["/usr/local/sbin/afsboot dhcp-event", "DHCP event hook must not contain whitespace"],
      ["/usr/local/sbin/afsboot\tevent", "must not contain whitespace"],
      ["/usr/local/sbin/x\ny", "must not contain whitespace"],
      ["/usr/local/sbin/x\u0000y", "DHCP event hook must not contain control characters"],
      ["/usr/local/sbin/x\u001by", "must not contain control characters"],
      ['/usr/local/sbin/"x"', "DHCP event hook must not contain quotes"],
      ["/usr/local/sbin/x'y", "must not contain quotes"],
      ["/usr/local/sbin/x`id`", "must not contain quotes"],
      ["/usr/local/sbin/a,b", "DHCP event hook must not contain commas (dnsmasq reads them as separators)"],
      ["/usr/local/sbin/x#y", "DHCP event hook may contain only letters, digits and . _ / + -"],
      ["/usr/local/sbin/x;reboot", "may contain only letters"],
      ["/usr/local/sbin/$HOOK", "may contain only letters"],
      ["/usr/local/sbin/é", "may contain only letters"],
      ["/usr/local/../../tmp/x", "DHCP event hook must not contain '..' segments"],
      ["/..", "must not contain '..' segments"],
      ["/usr/local/sbin/", "DHCP event hook must name the script, not a directory (no '/' at the end)"],
      ["/", "must name the script"],
      [`/${"a".repeat(MAX_HOOK_PATH)}`, `DHCP event hook must be at most ${MAX_HOOK_PATH} characters`],
    ])("refuses %j", (value, message) => {
      expect(hookError(value)).toContain(message);
    });
    it("refuses a value that is not a string", () => {
      expect(hook(42).success).toBe(false);
      expect(hook(["/usr/local/sbin/afsboot-dhcp-event"]).success).toBe(false);
    });
    it("allows '..' inside a name, which is no segment", () => {
      expect(hook("/usr/local/sbin/x..y").data?.dhcpEventHook).toBe("/usr/local/sbin/x..y");
    });
  });

  it("refuses missing fields with a message each", () => {
    const e = errorsOf({});
    expect(Object.keys(e)).toEqual(expect.arrayContaining(["name", "subnet", "gateway", "bootServer", "reportUrl"]));
  });
});

describe("boot servers", () => {
  const { bootServer: _one, ...noServer } = good;
  const two = [
    { name: "Boot1", address: "10.0.0.2", deliverTo: "/srv/afsboot" },
    { name: "boot2", address: "10.0.0.3", url: "http://boot2.lab.example.org/current", deliverTo: "afsboot@boot2.lab.example.org:/srv/afsboot" },
  ];

  it("named servers: the first is the boot server, names lower-cased, URLs end in /, hot standby by default", () => {
    const r = networkInput.parse({ ...noServer, bootServers: two });
    expect(r.bootServer).toBe("10.0.0.2");
    expect(r.bootUrl).toBeNull();
    expect(r.bootServers).toEqual([
      { name: "boot1", address: "10.0.0.2", deliverTo: "/srv/afsboot" },
      { name: "boot2", address: "10.0.0.3", url: "http://boot2.lab.example.org/current/", deliverTo: "afsboot@boot2.lab.example.org:/srv/afsboot" },
    ]);
    expect(r.dhcpFailover).toBe("hot-standby");
    expect(networkInput.parse({ ...good, bootServer: "10.0.0.2", bootServers: two, dhcpFailover: "load-balancing" }).dhcpFailover).toBe("load-balancing");
  });

  it("a single form row without a name or target is the one unnamed server; blank rows are dropped", () => {
    const r = networkInput.parse({
      ...noServer,
      bootServers: [
        { name: "", address: "10.0.0.9", url: "http://10.0.0.9:8080" },
        { name: " ", address: "", url: "", deliverTo: "" },
      ],
    });
    expect(r).toMatchObject({ bootServer: "10.0.0.9", bootUrl: "http://10.0.0.9:8080/", bootServers: [], dhcpFailover: null });
    expect(networkInput.parse(good)).toMatchObject({ bootServer: "10.0.0.1", bootServers: [], dhcpFailover: null });
  });

  it.each([
    [{ bootServers: [two[0], { ...two[1], name: "boot1" }] }, "bootServers.1.name", /boot1 is listed twice/],
    [{ bootServers: [two[0], { ...two[1], address: "10.0.0.2" }] }, "bootServers.1.address", /10\.0\.0\.2 is listed twice/],
    [{ bootServers: [two[0], { ...two[1], name: "" }] }, "bootServers.1.name", /needs a name/],
    [{ bootServers: [two[0], { ...two[1], name: "boot_2" }] }, "bootServers.1.name", /host name label/],
    [{ bootServers: two, bootUrl: "http://10.0.0.1/" }, "bootUrl", /each its own HTTP URL/],
    [{ bootServers: two, bootServer: "10.0.0.7" }, "bootServer", /differs from the first boot server's address 10\.0\.0\.2/],
    [{ bootServers: [two[0]], dhcpFailover: "hot-standby" }, "dhcpFailover", /two or more/],
    [{ bootServers: two, dhcpFailover: "active-active" }, "dhcpFailover", /hot-standby or load-balancing/],
    [{ bootServers: two, discoveryRange: "10.0.0.3-10.0.0.9" }, "discoveryRange", /the boot server boot2 10\.0\.0\.3/],
    [{ bootServers: [two[0], { ...two[1], deliverTo: "boot2:relative/path" }] }, "bootServers.1.deliverTo", /absolute path/],
    [{ bootServers: [two[0], { ...two[1], deliverTo: "/srv/../etc" }] }, "bootServers.1.deliverTo", /\.\. path segments/],
    [{ bootServers: [two[0], { ...two[1], deliverTo: "/" }] }, "bootServers.1.deliverTo", /root directory/],
    [{ bootServers: [two[0], { ...two[1], deliverTo: "-e sh:/x" }] }, "bootServers.1.deliverTo", /absolute path/],
    [{ bootServers: [two[0], { ...two[1], url: "ftp://boot2/" }] }, "bootServers.1.url", /http:\/\/ or https:\/\//],
    [{ bootServers: Array.from({ length: 9 }, (_, i) => ({ name: `b${i}`, address: `10.0.0.${i + 2}` })) }, "bootServers", /at most 8/],
  ])("refuses %j on %s", (over, field, message) => {
    expect(errorsOf({ ...noServer, ...over })[field as string]).toMatch(message as RegExp);
  });

  it("a network with neither a boot server nor named ones: Boot server is required", () => {
    expect(errorsOf(noServer).bootServer).toBe("Boot server is required");
    expect(errorsOf({ ...noServer, bootServers: [{ name: "", address: "", url: "", deliverTo: "" }] }).bootServer).toBe("Boot server is required");
  });

  it("one machine, one export directory: networks naming a server alike must deliver it alike", () => {
    expect(
      bootServerConflicts([
        { name: "a", bootServers: [{ name: "boot1", address: "10.0.0.2", deliverTo: "/srv/x" }] },
        { name: "b", bootServers: [{ name: "boot1", address: "10.1.0.2", deliverTo: "/srv/x" }] },
      ]),
    ).toEqual([]);
    expect(
      bootServerConflicts([
        { name: "a", bootServers: [{ name: "boot1", address: "10.0.0.2", deliverTo: "/srv/x" }] },
        { name: "b", bootServers: [{ name: "boot1", address: "10.1.0.2" }] },
      ]),
    ).toEqual(["boot server boot1 is delivered to no delivery target in network b but to /srv/x in network a: one machine has one export directory"]);
  });
});

describe("report URLs", () => {
  it("one URL, or several from the form (commas or spaces) or the API (reportUrls): the first is reportUrl", () => {
    expect(networkInput.parse(good)).toMatchObject({ reportUrl: "http://10.0.0.1:3000", reportUrls: [] });
    expect(networkInput.parse({ ...good, reportUrl: "http://10.0.0.1:3000, http://10.0.0.2:3000" })).toMatchObject({
      reportUrl: "http://10.0.0.1:3000",
      reportUrls: ["http://10.0.0.1:3000", "http://10.0.0.2:3000"],
    });
    const { reportUrl: _r, ...noUrl } = good;
    expect(networkInput.parse({ ...noUrl, reportUrls: ["http://10.0.0.2:3000", "https://console.example.org"] })).toMatchObject({
      reportUrl: "http://10.0.0.2:3000",
      reportUrls: ["http://10.0.0.2:3000", "https://console.example.org"],
    });
  });

  it.each([
    [{ reportUrl: "http://10.0.0.1:3000 http://10.0.0.1:3000" }, "reportUrl", /listed twice/],
    [{ reportUrl: "http://a:1 http://b:1 http://c:1 http://d:1 http://e:1" }, "reportUrl", /at most 4 report URLs/],
    [{ reportUrl: "http://10.0.0.1:3000, ftp://x" }, "reportUrl", /http:\/\/ or https:\/\//],
    [{ reportUrls: ["http://10.0.0.2:3000"], reportUrl: "http://10.0.0.1:3000" }, "reportUrl", /differs from the first of the report URLs/],
    [{ reportUrl: "", reportUrls: [] }, "reportUrl", /Report URL is required/],
    [
      { reportUrl: "http://10.0.0.1:3000,http://10.0.0.205:3000", discoveryRange: "10.0.0.200-10.0.0.220" },
      "discoveryRange",
      /report URL's address 10\.0\.0\.205/,
    ],
  ])("refuses %j on %s", (over, field, message) => {
    expect(errorsOf({ ...good, ...over })[field as string]).toMatch(message as RegExp);
  });
});

describe("networkInput: host identity", () => {
  it("defaults to none and approve (absent or empty: a form's or a script's)", () => {
    expect(networkInput.parse(good)).toMatchObject({ identity: "none", identityEnrolment: "approve" });
    expect(networkInput.parse({ ...good, identity: "", identityEnrolment: "" })).toMatchObject({ identity: "none", identityEnrolment: "approve" });
  });
  it.each([
    ["tpm", "tofu"],
    ["port", "approve"],
    ["none", "tofu"],
  ])("takes identity %j with enrolment %j", (identity, identityEnrolment) =>
    expect(networkInput.parse({ ...good, identity, identityEnrolment })).toMatchObject({ identity, identityEnrolment }),
  );
  it.each([["TPM"], ["ssh"], [true], [1]])("refuses identity %j, naming the modes and the weaker one", (identity) =>
    expect(errorsOf({ ...good, identity }).identity).toBe("Host identity must be none, tpm or port (source address + privileged port, weaker)"),
  );
  it.each([["trust"], ["auto"], [false]])("refuses enrolment %j", (identityEnrolment) =>
    expect(errorsOf({ ...good, identityEnrolment }).identityEnrolment).toBe("First TPM seen must be approve (on the host page) or tofu (trust on first use)"),
  );
});
