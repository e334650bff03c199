import type { CodegenConfig } from "@graphql-codegen/cli";

// Types for the operations in src/, from the printed schema the server serves. The generated
// files are committed; tests/webclient checks that they are current (`npm run codegen:check`).
const config: CodegenConfig = {
  schema: "../schema/schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: true,
  generates: {
    "src/gql/": {
      preset: "client",
      config: { documentMode: "string", enumsAsTypes: true, useTypeImports: true },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
