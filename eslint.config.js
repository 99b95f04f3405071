import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "test/fixtures/**", ".data/", "bench/out/", ".scratch/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["src/**/*.ts", "sandbox/**/*.ts", "test/**/*.ts", "bench/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: { "no-console": "error" },
  },
  {
    files: ["bench/peers/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable" } },
  },
  {
    // The chronomaster GUI: plain ES modules for the browser. Data reaches the DOM only as text.
    files: ["src/chronomaster/gui/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: Object.fromEntries(
        ["window", "document", "location", "history", "navigator", "fetch", "EventSource", "Event", "MessageEvent", "Element", "HTMLElement", "HTMLButtonElement",
          "HTMLInputElement", "HTMLTextAreaElement", "HTMLFormElement", "HTMLDialogElement", "HTMLAnchorElement", "Node", "setTimeout", "clearTimeout",
          "setInterval", "clearInterval", "console"].map((name) => [name, "readonly"]),
      ),
    },
    rules: {
      "no-console": "error",
      "no-restricted-properties": [
        "error",
        ...["innerHTML", "outerHTML"].map((property) => ({ property, message: "Build DOM with dom.js (textContent): names, logs and results are user-controlled." })),
        ...["insertAdjacentHTML", "write", "writeln", "createContextualFragment"].map((property) => ({ property, message: "Do not parse data as HTML." })),
      ],
    },
  },
  {
    files: ["bin/**/*.js"],
    languageOptions: { globals: { process: "readonly", URL: "readonly" } },
  },
);
