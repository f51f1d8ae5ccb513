// Pure logic of the dashboard: the period picker ↔ the URL, days in the
// company's time zone, chart rows, and numbers in words. Unit-tested in
// logic.test.ts.
import type { Dashboard, DashboardDay, Stat, TimeRow, Times } from "./api";

export const PRESETS = ["today", "7", "30", "90", "custom"] as const;
export type Preset = (typeof PRESETS)[number];

/** The longest period the server answers (internal/dashboard.MaxDays). */
export const MAX_DAYS = 366;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Today's date (YYYY-MM-DD) in a time zone; the browser's when the name is unknown. */
export function todayIn(timeZone: string | undefined, now = new Date()): string {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  } catch {
    return new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  }
}

/** A calendar date moved by n days (calendar arithmetic, no time zone involved). */
export function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

export function isDate(s: string | null | undefined): s is string {
  return !!s && DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && addDays(s, 0) === s;
}

export interface Filters {
  preset: Preset;
  from: string;
  to: string;
  connection: string;
  /** Why a custom period cannot be asked for: "order" or "too_long"; "" when it can. */
  problem: "" | "order" | "too_long";
}

/**
 * Reads the dashboard's filters from the URL (?period=30&connection=…, or
 * ?period=custom&from=…&to=…). Missing or broken values fall back to the
 * last 7 days, so that a hand-edited link still opens something.
 */
export function filtersFrom(params: URLSearchParams, today: string): Filters {
  const raw = params.get("period") ?? "7";
  const preset: Preset = (PRESETS as readonly string[]).includes(raw) ? (raw as Preset) : "7";
  const connection = params.get("connection") ?? "";
  if (preset === "custom") {
    const from = params.get("from");
    const to = params.get("to");
    const f = isDate(from) ? from : addDays(today, -6);
    const t = isDate(to) ? to : today;
    const problem = f > t ? "order" : daysBetween(f, t) > MAX_DAYS ? "too_long" : "";
    return { preset, from: f, to: t, connection, problem };
  }
  const span = preset === "today" ? 1 : Number(preset);
  return { preset, from: addDays(today, -(span - 1)), to: today, connection, problem: "" };
}

/** The URL's query for a choice of period and connection; custom keeps its dates. */
export function paramsFor(f: Pick<Filters, "preset" | "from" | "to" | "connection">): URLSearchParams {
  const p = new URLSearchParams();
  if (f.preset !== "7") p.set("period", f.preset);
  if (f.preset === "custom") {
    p.set("from", f.from);
    p.set("to", f.to);
  }
  if (f.connection) p.set("connection", f.connection);
  return p;
}

/** One chart row per day: "sent:<channel>" and "received:<channel>" counts. */
export function trafficRows(days: DashboardDay[], channels: string[]): Record<string, number | string>[] {
  return days.map((d) => {
    const row: Record<string, number | string> = { date: d.date };
    for (const c of channels) {
      row[`sent:${c}`] = d.sent[c] ?? 0;
      row[`received:${c}`] = d.received[c] ?? 0;
    }
    return row;
  });
}

/** "24/11" in pt-BR, "11/24" in English: a day on a chart's axis. */
export function shortDay(date: string, lang: string): string {
  return new Intl.DateTimeFormat(lang, { day: "2-digit", month: "2-digit", timeZone: "UTC" }).format(new Date(`${date}T00:00:00Z`));
}

/** "66,7%" in pt-BR; a dash when there is no rate (nothing was sent). */
export function percent(rate: number | null | undefined, lang: string): string {
  if (rate === null || rate === undefined) return "—";
  return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }).format(rate);
}

/** A duration in the largest two units that matter: "45 s", "12 min", "1 h 20 min", "2 d 3 h". */
export function formatSeconds(seconds: number, lang: string): string {
  const s = Math.max(0, Math.round(seconds));
  const unit = (n: number, u: "second" | "minute" | "hour" | "day") =>
    new Intl.NumberFormat(lang, { style: "unit", unit: u, unitDisplay: "narrow" }).format(n);
  if (s < 60) return unit(s, "second");
  const m = Math.floor(s / 60);
  if (m < 60) return unit(m, "minute");
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${unit(h, "hour")} ${unit(m % 60, "minute")}` : unit(h, "hour");
  const d = Math.floor(h / 24);
  return h % 24 ? `${unit(d, "day")} ${unit(h % 24, "hour")}` : unit(d, "day");
}

export interface PersonTimes {
  id: string;
  name: string;
  firstResponse: Stat | null;
  resolution: Stat | null;
}

/** Joins the first-response and resolution rows of each agent (or team) into one table row, busiest first. */
export function joinTimes(first: Times, resolution: Times, kind: "agents" | "teams"): PersonTimes[] {
  const byId = new Map<string, PersonTimes>();
  const add = (rows: TimeRow[], key: "firstResponse" | "resolution") => {
    for (const r of rows) {
      const p = byId.get(r.id) ?? { id: r.id, name: r.name, firstResponse: null, resolution: null };
      p[key] = { count: r.count, average_seconds: r.average_seconds, median_seconds: r.median_seconds };
      byId.set(r.id, p);
    }
  };
  add(first[kind], "firstResponse");
  add(resolution[kind], "resolution");
  const weight = (p: PersonTimes) => (p.firstResponse?.count ?? 0) + (p.resolution?.count ?? 0);
  return [...byId.values()].sort((a, b) => weight(b) - weight(a) || a.name.localeCompare(b.name));
}

/** Whether the period has nothing at all to show (the charts would be empty). */
export function quietPeriod(d: Dashboard): boolean {
  const t = d.totals;
  return t.sent + t.received + t.failed + t.waiting + t.opt_outs === 0;
}

/** Calls fn at most once per `ms`, the last call of a burst included (live events refresh the dashboard). */
export function throttle(fn: () => void, ms: number, now: () => number = Date.now, later = setTimeout): () => void {
  let last = -Infinity;
  let pending = false;
  return () => {
    if (pending) return;
    const wait = last + ms - now();
    if (wait <= 0) {
      last = now();
      fn();
      return;
    }
    pending = true;
    later(() => {
      pending = false;
      last = now();
      fn();
    }, wait);
  };
}
