import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "react-router/dom";
import "./i18n";
import "./index.css";
import { applyTheme, storedTheme } from "./lib/theme";
import { queryClient } from "./app/queryClient";
import { router } from "./app/router";
import { Toaster } from "./components/ui/toast";

applyTheme(storedTheme());

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <Toaster>
        <RouterProvider router={router} />
      </Toaster>
    </QueryClientProvider>
  </StrictMode>,
);
