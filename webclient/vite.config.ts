/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// `npm run dev` serves the client with hot reload and sends the API to a server started by
// ./scripts/run (or CLIENTELE_API=http://host:port).
const api = process.env.CLIENTELE_API ?? "http://127.0.0.1:8000";
const apiPaths = ["/graphql", "/graphiql", "/schema.graphql", "/export", "/import", "/reminders"];

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true, // dist/.vite/manifest.json: the budget test reads the initial chunks from it
    modulePreload: { polyfill: false },
    target: "es2022",
  },
  server: { proxy: Object.fromEntries(apiPaths.map((path) => [path, api])) },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
