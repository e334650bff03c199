import { expect, it } from "vitest";
import { roleLabel } from "../../session";
import { destination } from "./SignIn";

it("goes back where the user was, only within the client", () => {
  expect(destination("/customers?q=acme")).toBe("/customers?q=acme");
  expect(destination(undefined)).toBe("/customers");
  expect(destination("//evil.example/")).toBe("/customers");
  expect(destination("https://evil.example/")).toBe("/customers");
  expect(destination("/sign-in?next=/x")).toBe("/customers");
});

it("names roles as people say them", () => {
  expect(roleLabel("SALES_REP")).toBe("Sales rep");
  expect(roleLabel("ADMIN")).toBe("Admin");
});
