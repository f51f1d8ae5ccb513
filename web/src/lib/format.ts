/** "25/11/2026 14:30" in pt-BR, "11/25/2026 2:30 PM" in English. */
export function formatDateTime(iso: string | null | undefined, locale: string, timeZone?: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const opts: Intl.DateTimeFormatOptions = timeZone ? { timeZone } : {};
  const date = new Intl.DateTimeFormat(locale, { ...opts, day: "2-digit", month: "2-digit", year: "numeric" }).format(d);
  const time = new Intl.DateTimeFormat(locale, { ...opts, hour: "2-digit", minute: "2-digit" }).format(d);
  return `${date} ${time}`;
}

export function formatDate(iso: string | null | undefined, locale: string, timeZone?: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(locale, { timeZone, day: "2-digit", month: "2-digit", year: "numeric" }).format(d);
}

/**
 * A phone kept as E.164 ("+5511987654321") written the way people read it:
 * "+55 11 98765-4321" for Brazil, digits grouped after the country code elsewhere.
 */
export function formatPhone(e164: string | null | undefined): string {
  if (!e164) return "";
  const m = /^\+55(\d{2})(\d{4,5})(\d{4})$/.exec(e164);
  if (m) return `+55 ${m[1]} ${m[2]}-${m[3]}`;
  return e164;
}
