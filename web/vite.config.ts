/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// In development (`npm run dev`, with `make run` running) the dev server serves the sources with
// hot reload and forwards /api/ to the one origin at :8080 (services/gateway.py), which passes
// each /api/<service>/ on to its service: the same paths as the built UI uses, no CORS.
const ORIGIN = process.env.TURVAVERKKO_WEB_ORIGIN ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: { "/api": { target: ORIGIN } },
  },
  build: {
    outDir: "dist",
    sourcemap: true,
    // One chunk for React and its kin, one for the Suomi.fi components; each screen its own.
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (!id.includes("node_modules")) return undefined;
          if (/node_modules\/(suomifi-|styled-components|polished|date-fns|@floating-ui|react-modal)/.test(id)) {
            return "suomifi";
          }
          if (/node_modules\/(react|react-dom|scheduler|react-router|@tanstack|i18next|react-i18next)\//.test(id)) {
            return "framework";
          }
          return undefined;
        },
      },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}", "scripts/**/*.test.{ts,mjs}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
    testTimeout: 20_000,
  },
});
