import type { TFunction } from "i18next";
import { isApiError } from "./api";

/** A readable, translated sentence for any error: never a raw code alone. */
export function errorMessage(t: TFunction, err: unknown): string {
  if (isApiError(err)) {
    const key = `error.${err.code}`;
    const translated = t(key, { defaultValue: "" });
    if (translated) return translated;
    if (err.status === 429) return t("error.rate_limited");
    if (err.status >= 500) return t("error.internal");
    return t("error.generic");
  }
  return t("error.generic");
}

/** Translated messages per field, from the `fields` map of an API error. */
export function fieldErrors(t: TFunction, err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isApiError(err)) return out;
  for (const [field, code] of Object.entries(err.fields)) {
    out[field] = t(`field.${code}`, { defaultValue: "" }) || t("field.invalid");
  }
  return out;
}
