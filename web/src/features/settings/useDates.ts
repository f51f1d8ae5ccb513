import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { formatDate, formatDateTime } from "../../lib/format";
import { companyQuery } from "./api";

/** Date formatters in the user's language and the company's time zone. */
export function useDates() {
  const { i18n } = useTranslation();
  const company = useQuery({ ...companyQuery, staleTime: 5 * 60_000 });
  const tz = company.data?.time_zone || undefined;
  const lang = i18n.language;
  return {
    dateTime: (iso: string | null | undefined) => safe(() => formatDateTime(iso, lang, tz), () => formatDateTime(iso, lang)),
    date: (iso: string | null | undefined) => safe(() => formatDate(iso, lang, tz), () => formatDate(iso, lang)),
  };
}

// An unknown time zone name must not break the page: fall back to the browser's.
function safe(withZone: () => string, without: () => string): string {
  try {
    return withZone();
  } catch {
    return without();
  }
}
