import { defineConfig } from 'vitest/config';

// The dev server proxies the APIs like nginx does (deploy/local/nginx/vanthu.conf), so the app
// always calls one origin: /api/<service>/... .
const services = { intake: 8001, routing: 8002, exchange: 8003, archive: 8004 };

export default defineConfig({
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: Object.fromEntries(
      Object.entries(services).map(([name, port]) => [
        `/api/${name}`,
        { target: `http://127.0.0.1:${port}`, rewrite: (p: string) => p.replace(`/api/${name}`, '') },
      ]),
    ),
  },
  build: {
    outDir: 'dist',
    sourcemap: false,
    rollupOptions: {
      // react-router marks its modules "use client" (for server components); harmless in a SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  test: { environment: 'jsdom', include: ['src/**/*.test.{ts,tsx}'] },
});
