import { useTitle } from "../../title";

export default function Customers() {
  useTitle("Customers");
  return (
    <section class="screen" aria-labelledby="customers-title">
      <h1 id="customers-title">Customers</h1>
      <p>The customer list comes next: columns you choose, sorting, filters and saved views.</p>
    </section>
  );
}
