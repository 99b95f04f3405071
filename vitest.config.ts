import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/redis-global-setup.ts"],
    // Sandbox tests fork real sandbox host processes and spin real isolates: give them room
    // on a 2-core machine instead of racing them against each other.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
