// Vite bundles the console into hashed assets under assets/ (served by
// yanxiud with immutable caching) and index.html (no-cache). No inline
// script: the daemon's Content-Security-Policy forbids it.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    target: "es2020",
    assetsDir: "assets",
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks: { echarts: ["echarts/core", "echarts/charts", "echarts/components", "echarts/renderers"] },
      },
    },
  },
});
