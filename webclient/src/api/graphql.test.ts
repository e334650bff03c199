import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TypedDocumentString } from "../gql/graphql";
import { onSignedOut, request } from "./graphql";

type Answer = { status?: number; body: unknown };
const query = new TypedDocumentString<{ viewer: { name: string } | null }, { x?: number }>("query Q { viewer { name } }");
const mutation = new TypedDocumentString<{ login: { userErrors: unknown[] } }, Record<string, never>>("mutation M");

let fetched: { url: string; init: RequestInit }[];
let sentTo: string[];

function answering(answer: Answer | Error) {
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    fetched.push({ url, init });
    if (answer instanceof Error) throw answer;
    const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
    return new Response(text, { status: answer.status ?? 200 });
  });
}

beforeEach(() => {
  fetched = [];
  sentTo = [];
  vi.stubGlobal("location", { pathname: "/customers", search: "?q=acme", hash: "" });
  onSignedOut((next) => sentTo.push(next));
});
afterEach(() => vi.unstubAllGlobals());

describe("request", () => {
  it("posts the document with the cookie and X-Requested-With", async () => {
    answering({ body: { data: { viewer: { name: "Ann" } } } });
    const result = await request(query, { x: 1 });
    expect(result).toEqual({ ok: true, data: { viewer: { name: "Ann" } } });
    const [{ url, init }] = fetched;
    expect(url).toBe("/graphql");
    expect(init.method).toBe("POST");
    expect(init.credentials).toBe("same-origin");
    expect((init.headers as Record<string, string>)["X-Requested-With"]).toBeTruthy();
    expect(JSON.parse(init.body as string)).toEqual({ query: "query Q { viewer { name } }", variables: { x: 1 } });
    expect(sentTo).toEqual([]);
  });

  it("turns userErrors into a refusal with every error", async () => {
    const userErrors = [
      { field: ["input", "name"], message: "name is required", code: "REQUIRED" },
      { field: ["input", "terms"], message: "unknown terms", code: "INVALID" },
    ];
    answering({ body: { data: { login: { userErrors } } } });
    expect(await request(mutation)).toEqual({ ok: false, code: "REQUIRED", message: "name is required", userErrors });
  });

  it("turns a top-level error into a refusal with its code", async () => {
    answering({ status: 429, body: { errors: [{ message: "slow down", extensions: { code: "RATE_LIMITED" } }] } });
    expect(await request(mutation)).toEqual({ ok: false, code: "RATE_LIMITED", message: "slow down", userErrors: [] });
  });

  it("says so when the server cannot be reached or answers no JSON", async () => {
    answering(new TypeError("network down"));
    expect(await request(mutation)).toMatchObject({ ok: false, code: "NETWORK" });
    answering({ status: 502, body: "<html>bad gateway</html>" });
    expect(await request(mutation)).toMatchObject({ ok: false, code: "HTTP_502" });
    expect(sentTo).toEqual([]);
  });

  it.each([
    ["a 401", { status: 401, body: { errors: [{ message: "bad token" }] } }],
    ["UNAUTHENTICATED", { body: { data: null, errors: [{ message: "sign in", extensions: { code: "UNAUTHENTICATED" } }] } }],
    ["a null viewer", { body: { data: { viewer: null } } }],
  ])("sends the user to sign-in on %s, keeping where they were", async (_name, answer) => {
    answering(answer);
    expect(await request(query)).toMatchObject({ ok: false, code: "UNAUTHENTICATED" });
    expect(sentTo).toEqual(["/customers?q=acme"]);
  });

  it("does not send the user to sign-in from the sign-in page", async () => {
    vi.stubGlobal("location", { pathname: "/sign-in", search: "", hash: "" });
    answering({ status: 401, body: {} });
    expect(await request(query)).toMatchObject({ ok: false, code: "UNAUTHENTICATED" });
    expect(sentTo).toEqual([]);
  });
});
