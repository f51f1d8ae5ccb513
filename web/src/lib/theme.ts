export type Theme = "light" | "dark";
const KEY = "masteria.theme";

export function storedTheme(): Theme {
  try {
    const t = localStorage.getItem(KEY);
    if (t === "light" || t === "dark") return t;
  } catch {
    // Storage may be unavailable (private mode); fall back to the system choice.
  }
  return typeof window !== "undefined" && window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function applyTheme(theme: Theme, persist = false): void {
  document.documentElement.classList.toggle("dark", theme === "dark");
  document.documentElement.style.colorScheme = theme;
  if (persist) {
    try {
      localStorage.setItem(KEY, theme);
    } catch {
      // Not persisted; the choice still applies to this page.
    }
  }
}
