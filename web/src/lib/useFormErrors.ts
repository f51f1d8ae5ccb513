import { useTranslation } from "react-i18next";
import { errorMessage, fieldErrors } from "./errors";

/** Splits a mutation error into messages per field and one message for the form. */
export function useFormErrors(error: unknown): { fields: Record<string, string>; form: string } {
  const { t } = useTranslation();
  if (!error) return { fields: {}, form: "" };
  const fields = fieldErrors(t, error);
  const form = Object.keys(fields).length ? "" : errorMessage(t, error);
  return { fields, form };
}
