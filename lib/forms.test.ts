import { describe, expect, it } from "vitest";
import { formToObject, formValues } from "./forms";

describe("formToObject", () => {
  it("builds nested arrays from dotted keys and drops React's fields", () => {
    const f = new FormData();
    f.set("name", "example.org");
    f.set("servers.0.name", "a.example.org");
    f.set("servers.0.ip", "10.0.0.5");
    f.set("servers.2.name", "b.example.org");
    f.set("servers.2.ip", "10.0.0.6");
    f.set("$ACTION_ID_abc", "");
    expect(formToObject(f)).toEqual({
      name: "example.org",
      servers: [
        { name: "a.example.org", ip: "10.0.0.5" },
        { name: "b.example.org", ip: "10.0.0.6" },
      ],
    });
  });
  it("repeated keys become arrays", () => {
    const f = new FormData();
    f.append("tag", "a");
    f.append("tag", "b");
    expect(formToObject(f)).toEqual({ tag: ["a", "b"] });
  });
  it("never echoes passwords back", () => {
    const f = new FormData();
    f.set("username", "ann");
    f.set("password", "secret");
    f.set("confirm", "secret");
    expect(formValues(f)).toEqual({ username: "ann" });
  });
});
