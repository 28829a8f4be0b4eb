/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// In development (`npm run dev`) the dev server stands in for the :8080 gateway: one origin, the
// APIs under /api/<service>/ forwarded to each service's own port (no CORS).
const SERVICES = { intake: 8001, pilots: 8002, notifications: 8003 } as const;

export default defineConfig({
  plugins: [react()],
  server: {
    port: 8080,
    strictPort: true,
    proxy: Object.fromEntries(
      Object.entries(SERVICES).map(([service, port]) => [
        `/api/${service}`,
        {
          target: `http://127.0.0.1:${port}`,
          rewrite: (path: string) => path.slice(`/api/${service}`.length) || "/",
        },
      ]),
    ),
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
