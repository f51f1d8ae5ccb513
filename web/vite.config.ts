import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";

// The dev server forwards API calls to a locally running `masteria serve`.
const backend = process.env.MASTERIA_DEV_BACKEND ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        // Recharts and the libraries only it uses get a chunk of their own,
        // loaded with the dashboard's charts (features/dashboard/Charts.tsx),
        // never with the first screen.
        codeSplitting: {
          // Otherwise the group pulls in what its modules import (React),
          // and the first screen would wait for the whole chunk.
          includeDependenciesRecursively: false,
          groups: [
            {
              name: "recharts",
              test: /node_modules[\\/](recharts|d3-[a-z-]+|victory-vendor|@reduxjs|react-redux|redux|redux-thunk|reselect|immer|decimal\.js-light|es-toolkit|eventemitter3|internmap|tiny-invariant|clsx|react-is)[\\/]|use-sync-external-store[\\/](with-selector|shim[\\/]with-selector|cjs[\\/]use-sync-external-store-(shim[\\/])?with-selector)|[\\/]features[\\/]dashboard[\\/]Charts\.tsx$/,
            },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      "/api": backend,
      "/readyz": backend,
    },
  },
});
