// The top bar every screen but sign-in sits under: product name, sections, the signed-in user.
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { useLocation } from "preact-iso";
import { loadViewer, roleLabel, signOut, viewer } from "../session";

const SECTIONS = [{ path: "/customers", label: "Customers" }];

export function Shell({ children }: { children: ComponentChildren }) {
  const { path, route } = useLocation();
  useEffect(() => {
    if (!viewer.value) void loadViewer();
  }, []);
  const user = viewer.value;
  if (!user) return <p class="loading" role="status">Loading…</p>;

  async function leave() {
    if ((await signOut()).ok) route("/sign-in");
  }

  return (
    <>
      <header class="topbar">
        <a class="product" href="/">Clientele</a>
        <nav aria-label="Sections">
          {SECTIONS.map((section) => (
            <a href={section.path} aria-current={path.startsWith(section.path) ? "page" : undefined}>
              {section.label}
            </a>
          ))}
        </nav>
        <div class="user" aria-label="Signed in user">
          <span class="name">{user.name}</span>
          <span class="role">{roleLabel(user.role)}</span>
          <a href="/graphql" target="_blank" rel="noopener">GraphiQL</a>
          <button type="button" onClick={leave}>Sign out</button>
        </div>
      </header>
      <main id="main">{children}</main>
    </>
  );
}
