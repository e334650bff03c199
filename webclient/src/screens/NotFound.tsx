import { useTitle } from "../title";

export default function NotFound() {
  useTitle("Not found");
  return (
    <section class="screen" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Nothing here</h1>
      <p>
        This address is not a page of Clientele. <a href="/customers">Go to the customers</a>.
      </p>
    </section>
  );
}
