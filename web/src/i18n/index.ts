import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import ptBR from "./pt-BR.json";

export type Language = "pt-BR" | "en";
export const LANGUAGES: Language[] = ["pt-BR", "en"];
const KEY = "masteria.lang";

/** The stored choice if any, else the browser's language: Portuguese gets pt-BR, anything else English. */
export function detectLanguage(stored: string | null, browser: readonly string[]): Language {
  if (stored === "pt-BR" || stored === "en") return stored;
  for (const l of browser) {
    const lower = l.toLowerCase();
    if (lower.startsWith("pt")) return "pt-BR";
    if (lower.startsWith("en")) return "en";
  }
  return "pt-BR";
}

export function storedLanguage(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function initialLanguage(): Language {
  if (typeof navigator === "undefined") return "pt-BR";
  const browser = navigator.languages?.length ? navigator.languages : [navigator.language];
  return detectLanguage(storedLanguage(), browser);
}

export function setLanguage(lang: Language): void {
  try {
    localStorage.setItem(KEY, lang);
  } catch {
    // Not persisted; the choice still applies to this page.
  }
  void i18n.changeLanguage(lang);
}

export function currentLanguage(): Language {
  return i18n.language === "en" ? "en" : "pt-BR";
}

i18n.on("languageChanged", (lng) => {
  if (typeof document !== "undefined") document.documentElement.lang = lng;
});

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, "pt-BR": { translation: ptBR } },
  lng: initialLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;
