import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { signIn } from "../../session";
import { useTitle } from "../../title";

/** Where to go after signing in: the `next` the user was sent here from, if it is ours. */
export const destination = (next: string | undefined) =>
  next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/sign-in") ? next : "/customers";

export function SignIn() {
  useTitle("Sign in");
  const { query, route } = useLocation();
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    const result = await signIn(String(form.get("email")), String(form.get("password")));
    setBusy(false);
    if (result.ok) route(destination(query.next), true);
    else setRefusal(result.message);
  }

  return (
    <main class="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Clientele</h1>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        {refusal && (
          <p class="refusal" role="alert">
            {refusal.charAt(0).toUpperCase() + refusal.slice(1)}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
