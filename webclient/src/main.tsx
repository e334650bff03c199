// Routes → screens. Sign-in and the shell load with the page; every screen inside loads lazily.
import { render } from "preact";
import { useEffect } from "preact/hooks";
import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from "preact-iso";
import { onSignedOut } from "./api/graphql";
import { viewer } from "./session";
import { Shell } from "./shell/Shell";
import { SignIn } from "./screens/sign-in/SignIn";
import "./styles.css";

const Customers = lazy(() => import("./screens/customers/Customers"));
const NotFound = lazy(() => import("./screens/NotFound"));

function Home() {
  const { route } = useLocation();
  useEffect(() => route("/customers", true), []);
  return null;
}

function App() {
  const { route } = useLocation();
  useEffect(
    () =>
      onSignedOut((next) => {
        viewer.value = null;
        route(`/sign-in?next=${encodeURIComponent(next)}`, true);
      }),
    [],
  );
  return (
    <ErrorBoundary>
      <Router>
        <Route path="/sign-in" component={SignIn} />
        <Route path="/*" component={Screens} />
      </Router>
    </ErrorBoundary>
  );
}

function Screens() {
  return (
    <Shell>
      <Router>
        <Route path="/" component={Home} />
        <Route path="/customers" component={Customers} />
        <Route default component={NotFound} />
      </Router>
    </Shell>
  );
}

render(
  <LocationProvider>
    <App />
  </LocationProvider>,
  document.getElementById("app")!,
);
