import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

// The Go server that `npm run dev` forwards API and probe requests to.
const apiTarget = process.env.HMS_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: {
    // The Go package internal/web embeds this folder. Its committed placeholder
    // must survive a build, so scripts/clean-dist.mjs empties it instead of Vite.
    outDir: '../internal/web/dist',
    emptyOutDir: false,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': apiTarget,
      '/health': apiTarget,
      '/ready': apiTarget,
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // jsdom renders slowly on a busy two-core machine; a stuck test still fails, just later.
    testTimeout: 30_000,
  },
});
