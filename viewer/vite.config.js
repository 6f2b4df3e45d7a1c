import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The built site is served by `captainred view` from the Python package: index.html, assets/*, and
// the replay at ./replay.crr. Every URL is relative so the site works under any path.
export default defineConfig({
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../src/captainred/replay/static/', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    modulePreload: { polyfill: false },
  },
});
