import { defineConfig } from 'vite';

// `vite build --config renderer/vite.config.ts` → dist/renderer. @vitejs/plugin-react is not
// installed, so JSX goes through esbuild's automatic runtime. `base: './'` lets the same build load
// from the Electron app:// protocol and from the browser bridge.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  esbuild: { jsx: 'automatic' },
  logLevel: 'warn',
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1000,
    rollupOptions: {
      // zod's comments confuse Rollup's annotation parser; harmless, so keep the build output quiet.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
});
