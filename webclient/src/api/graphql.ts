// The one way the client talks to the server: POST /graphql with the session cookie and
// X-Requested-With (the server refuses a cookie without it), answering a typed Result.
import type { TypedDocumentString } from "../gql/graphql";

export type UserError = { field?: readonly string[] | null; message: string; code: string };
export type Result<T> =
  | { ok: true; data: T }
  | { ok: false; code: string; message: string; userErrors: UserError[] };
type Answer<T> = { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };

let signedOut = (next: string) => location.assign(`/sign-in?next=${encodeURIComponent(next)}`);
/** Where the user goes when the server says nobody is signed in; `next` is where they were. */
export const onSignedOut = (handler: (next: string) => void) => void (signedOut = handler);

const failure = (code: string, message: string, userErrors: UserError[] = []) =>
  ({ ok: false, code, message, userErrors }) as const;

function away() {
  if (location.pathname !== "/sign-in") signedOut(location.pathname + location.search + location.hash);
  return failure("UNAUTHENTICATED", "Please sign in.");
}

export async function request<T, V>(document: TypedDocumentString<T, V>, variables?: V): Promise<Result<T>> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-Requested-With": "clientele-web" },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
  } catch {
    return failure("NETWORK", "The server could not be reached. Check the connection and retry.");
  }
  if (response.status === 401) return away();
  const answer: Answer<T> | null = await response.json().catch(() => null);
  const error = answer?.errors?.[0];
  if (error?.extensions?.code === "UNAUTHENTICATED") return away();
  if (!answer?.data || error) {
    return failure(error?.extensions?.code ?? `HTTP_${response.status}`, error?.message ?? `The server answered ${response.status}.`);
  }
  const fields = Object.entries(answer.data as Record<string, unknown>);
  if (fields.some(([name, value]) => name === "viewer" && value === null)) return away();
  const userErrors = fields.flatMap(([, value]) => (value as { userErrors?: UserError[] } | null)?.userErrors ?? []);
  if (userErrors.length) return failure(userErrors[0].code, userErrors[0].message, userErrors);
  return { ok: true, data: answer.data };
}
