import { useEffect, useId, useState } from "react";
import { Moon, Sun } from "lucide-react";
import { useTranslation } from "react-i18next";
import { LANGUAGES, setLanguage, currentLanguage, type Language } from "../i18n";
import { applyTheme, storedTheme, type Theme } from "../lib/theme";
import { Button } from "./ui/button";
import { Select } from "./ui/input";

export function LanguageSwitch({ onChange, className }: { onChange?: (l: Language) => void; className?: string }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const value = i18n.language === "en" ? "en" : "pt-BR";
  return (
    <div className={className}>
      <label htmlFor={id} className="sr-only">
        {t("prefs.language")}
      </label>
      <Select
        id={id}
        data-testid="language-switch"
        value={value}
        onChange={(e) => {
          const l = e.target.value as Language;
          setLanguage(l);
          onChange?.(l);
        }}
        className="h-9"
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l}>
            {t(`prefs.languages.${l === "en" ? "en" : "pt_BR"}`)}
          </option>
        ))}
      </Select>
    </div>
  );
}

export function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => storedTheme());
  useEffect(() => {
    applyTheme(theme);
  }, [theme]);
  return [
    theme,
    (next) => {
      applyTheme(next, true);
      setTheme(next);
    },
  ];
}

export function ThemeSwitch() {
  const { t } = useTranslation();
  const [theme, setTheme] = useTheme();
  const next = theme === "dark" ? "light" : "dark";
  return (
    <Button
      variant="outline"
      size="icon"
      className="h-9 w-9 shrink-0"
      data-testid="theme-switch"
      aria-label={next === "dark" ? t("prefs.theme_dark") : t("prefs.theme_light")}
      title={next === "dark" ? t("prefs.theme_dark") : t("prefs.theme_light")}
      onClick={() => setTheme(next)}
    >
      {theme === "dark" ? <Sun className="h-4 w-4" aria-hidden /> : <Moon className="h-4 w-4" aria-hidden />}
    </Button>
  );
}

export { currentLanguage };
