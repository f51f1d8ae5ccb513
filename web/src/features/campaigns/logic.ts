// Pure logic of the Campaigns section: progress and the time left, the
// wizard's draft ↔ the API's campaign, template variables mapped to contact
// fields or constants, dates in the company's time zone, and which wizard
// step an API error belongs to. Unit-tested in logic.test.ts.
import type { Component } from "../templates/components";
import { variables } from "../templates/components";
import type { Campaign, CampaignInput, MessageType, Pacing, Stats, VarSource } from "./api";

// ---------------------------------------------------------------- progress

/** Recipients that are settled: sent (or further), failed or skipped. */
export function doneCount(s: Stats): number {
  return s.sent + s.delivered + s.read + s.replied + s.failed + s.skipped;
}

/** Whole percent of the audience settled, 0 for an empty one. */
export function progressPercent(s: Stats): number {
  if (s.total <= 0) return 0;
  return Math.min(100, Math.floor((doneCount(s) / s.total) * 100));
}

export interface Sample {
  /** Milliseconds (Date.now()). */
  at: number;
  done: number;
}

/** Keeps the samples of the last `windowMs`, adding a new one when the count changed or time went on. */
export function addSample(samples: Sample[], next: Sample, windowMs = 30_000): Sample[] {
  const kept = samples.filter((s) => next.at - s.at <= windowMs && s.at < next.at);
  // A count that went down (a new campaign, a reset) starts afresh.
  if (kept.length && kept[kept.length - 1].done > next.done) return [next];
  return [...kept, next];
}

/** Recipients settled per second over the samples, null before there is a pace to go by. */
export function pace(samples: Sample[]): number | null {
  if (samples.length < 2) return null;
  const first = samples[0];
  const last = samples[samples.length - 1];
  const seconds = (last.at - first.at) / 1000;
  if (seconds < 2 || last.done <= first.done) return null;
  return (last.done - first.done) / seconds;
}

/**
 * Seconds left: from the measured pace, else from the configured rate
 * (messages per second per connection) times the connections; null when
 * neither is known.
 */
export function etaSeconds(s: Stats, measured: number | null, ratePerSecond?: number | null, connections = 1): number | null {
  const left = Math.max(0, s.total - doneCount(s));
  if (left === 0) return 0;
  const perSecond = measured ?? (ratePerSecond ? ratePerSecond * Math.max(1, connections) : null);
  if (!perSecond || perSecond <= 0) return null;
  return Math.ceil(left / perSecond);
}

/** A few seconds, minutes or hours, in words of the user's language. */
export function formatDuration(seconds: number, lang: string): string {
  const unit = (n: number, u: "second" | "minute" | "hour") =>
    new Intl.NumberFormat(lang, { style: "unit", unit: u, unitDisplay: "long", maximumFractionDigits: 0 }).format(n);
  if (seconds < 60) return unit(Math.max(1, Math.ceil(seconds)), "second");
  if (seconds < 3600) return unit(Math.ceil(seconds / 60), "minute");
  const h = Math.floor(seconds / 3600);
  const m = Math.ceil((seconds % 3600) / 60);
  return m ? `${unit(h, "hour")} ${unit(m, "minute")}` : unit(h, "hour");
}

/** Failed and skipped recipients grouped by error code, biggest group first. */
export function groupFailures(
  rows: { status: string; error_code: string; error_reason: string }[],
): { status: string; code: string; reason: string; count: number }[] {
  const groups = new Map<string, { status: string; code: string; reason: string; count: number }>();
  for (const r of rows) {
    if (r.status !== "failed" && r.status !== "skipped") continue;
    const key = `${r.status}|${r.error_code}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { status: r.status, code: r.error_code, reason: r.error_reason, count: 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

// ---------------------------------------------------------------- templates

/** The variables of a template a campaign fills, and what campaigns cannot fill yet. */
export interface TemplateSlots {
  /** Body variables in order ("1", "2" or names). */
  body: string[];
  /** IMAGE, VIDEO or DOCUMENT when the header needs a file link. */
  headerMedia: string;
  /** Variables in a text header or in a link button: campaigns do not fill these (yet). */
  unsupported: boolean;
}

export function templateSlots(components: Component[] | null | undefined): TemplateSlots {
  const out: TemplateSlots = { body: [], headerMedia: "", unsupported: false };
  for (const c of components ?? []) {
    const type = c.type.toUpperCase();
    if (type === "BODY") out.body = variables(c.text ?? "").names;
    if (type === "HEADER") {
      const format = (c.format ?? "TEXT").toUpperCase();
      if (format === "TEXT" && variables(c.text ?? "").names.length) out.unsupported = true;
      if (["IMAGE", "VIDEO", "DOCUMENT"].includes(format)) out.headerMedia = format;
    }
    if (type === "BUTTONS") {
      for (const b of c.buttons ?? []) if (b.type.toUpperCase() === "URL" && (b.url ?? "").includes("{{")) out.unsupported = true;
    }
  }
  return out;
}

/** One template variable in the wizard: a contact field or a fixed text. */
export interface VarChoice {
  source: "field" | "value";
  field: string;
  value: string;
}

/** The first variable gets the first name, the rest start as fixed texts to fill. */
export function defaultChoice(index: number): VarChoice {
  return index === 0 ? { source: "field", field: "first_name", value: "" } : { source: "value", field: "name", value: "" };
}

/** The campaign's `variables` for the template's body variables, each from its choice. */
export function buildVariables(names: string[], choices: Record<string, VarChoice>): Record<string, VarSource> {
  const out: Record<string, VarSource> = {};
  names.forEach((n, i) => {
    const c = choices[n] ?? defaultChoice(i);
    out[n] = c.source === "field" ? { field: c.field || "name" } : { value: c.value };
  });
  return out;
}

/** Back from the API's variables to the wizard's choices. */
export function choicesFrom(vars: Record<string, VarSource> | undefined): Record<string, VarChoice> {
  const out: Record<string, VarChoice> = {};
  for (const [k, v] of Object.entries(vars ?? {})) {
    out[k] = v.field ? { source: "field", field: v.field, value: "" } : { source: "value", field: "name", value: v.value ?? "" };
  }
  return out;
}

/** Variables left without a value: a fixed text that is empty. */
export function missingVariables(names: string[], choices: Record<string, VarChoice>): string[] {
  return names.filter((n, i) => {
    const c = choices[n] ?? defaultChoice(i);
    return c.source === "value" && !c.value.trim();
  });
}

/** Example values for the preview: a field shows a sample person's value, a fixed text itself. */
export function previewValues(
  names: string[],
  choices: Record<string, VarChoice>,
  sample: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    const c = choices[n] ?? defaultChoice(i);
    out[n] = c.source === "field" ? (sample[c.field] ?? `[${c.field}]`) : c.value;
  });
  return out;
}

const FIELD_REF = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;

/** A text with {{field}} put in for a sample person, as the server does (unknown fields become empty). */
export function personalize(text: string, sample: Record<string, string>): string {
  return text.replace(FIELD_REF, (_, key: string) => sample[key] ?? "");
}

/** Field keys used in a text that are neither built in nor custom fields (likely typos). */
export function unknownFields(text: string, known: string[]): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(FIELD_REF)) if (!known.includes(m[1]) && !out.includes(m[1])) out.push(m[1]);
  return out;
}

/** Puts `{{key}}` at the cursor (or the end), with spaces around where needed. */
export function insertField(text: string, key: string, at = text.length): { text: string; cursor: number } {
  const before = text.slice(0, at);
  const after = text.slice(at);
  const token = `${before && !/\s$/.test(before) ? " " : ""}{{${key}}}${after && !/^[\s,.!?]/.test(after) ? " " : ""}`;
  return { text: before + token + after, cursor: before.length + token.length };
}

// ---------------------------------------------------------------- time zone

function zoneOffsetMinutes(date: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(date);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

/** "2026-11-25T14:30" on the wall clock of `timeZone` as RFC 3339 UTC; "" when not a date. */
export function zonedToUtc(local: string, timeZone: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return "";
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let guess = wall - zoneOffsetMinutes(new Date(wall), timeZone) * 60_000;
  guess = wall - zoneOffsetMinutes(new Date(guess), timeZone) * 60_000;
  return new Date(guess).toISOString().replace(".000Z", "Z");
}

/** An instant as "YYYY-MM-DDTHH:mm" on the wall clock of `timeZone` (for a datetime-local input). */
export function utcToZoned(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const shifted = new Date(d.getTime() + zoneOffsetMinutes(d, timeZone) * 60_000);
  return shifted.toISOString().slice(0, 16);
}

// ---------------------------------------------------------------- wizard

export interface Draft {
  name: string;
  connectionIds: string[];
  all: boolean;
  tags: string[];
  segmentIds: string[];
  type: MessageType;
  /** "name|language" of the chosen template. */
  template: string;
  choices: Record<string, VarChoice>;
  headerMedia: string;
  text: string;
  variations: string[];
  mediaLink: string;
  later: boolean;
  /** "YYYY-MM-DDTHH:mm" in the company's time zone. */
  startAt: string;
  windowOn: boolean;
  days: number[];
  windowStart: string;
  windowEnd: string;
  /** Messages per second per connection; "" for the connection's own pace. */
  rate: string;
  /** Pause when more than this percent of the last `overLast` sends failed. */
  failurePercent: string;
  overLast: string;
  /** A random pause between messages, in seconds ("" for none). */
  delayMin: string;
  delayMax: string;
  /** Campaign messages per number per day ("" for no cap). */
  dailyCap: string;
}

export const emptyDraft = (): Draft => ({
  name: "",
  connectionIds: [],
  all: false,
  tags: [],
  segmentIds: [],
  type: "text",
  template: "",
  choices: {},
  headerMedia: "",
  text: "",
  variations: [],
  mediaLink: "",
  later: false,
  startAt: "",
  windowOn: false,
  days: [1, 2, 3, 4, 5],
  windowStart: "09:00",
  windowEnd: "20:00",
  rate: "",
  failurePercent: "50",
  overLast: "100",
  delayMin: "",
  delayMax: "",
  dailyCap: "",
});

/** The pacing the API gets: absent fields are no pause and no cap. */
export function pacingFromDraft(d: Draft): Pacing {
  const int = (s: string) => (s.trim() && Number.isFinite(Number(s)) ? Math.round(Number(s)) : 0);
  const min = int(d.delayMin);
  const max = d.delayMax.trim() ? int(d.delayMax) : min;
  const p: Pacing = {};
  if (max > 0) {
    p.delay_min_seconds = min;
    p.delay_max_seconds = max;
  }
  if (int(d.dailyCap) > 0) p.daily_cap = int(d.dailyCap);
  return p;
}

export function templateKey(name: string, language: string): string {
  return `${name}|${language}`;
}

/**
 * What the API gets for a draft; `bodyVars` are the chosen template's body
 * variables and `headerFormat` its media header (IMAGE, VIDEO, DOCUMENT).
 */
export function inputFromDraft(d: Draft, bodyVars: string[], timeZone: string, headerFormat = ""): CampaignInput {
  let message: CampaignInput["message"];
  if (d.type === "template") {
    const [name = "", language = ""] = d.template ? d.template.split("|") : [];
    message = { type: "template", template: { name, language, variables: buildVariables(bodyVars, d.choices) } };
    if (d.headerMedia.trim()) {
      // The server tells a video or document header from an image by its MIME type only.
      const mime = headerFormat === "VIDEO" ? "video/mp4" : headerFormat === "DOCUMENT" ? "application/pdf" : "";
      message.template!.header_media = { link: d.headerMedia.trim(), ...(mime ? { mime_type: mime } : {}) };
    }
  } else {
    const variations = d.variations.map((v) => v.trim()).filter(Boolean);
    message = { type: d.type, text: d.text };
    if (variations.length) message.variations = variations;
    if (d.type !== "text") message.media = { link: d.mediaLink.trim() };
  }
  const schedule: CampaignInput["schedule"] = {};
  if (d.later && d.startAt) schedule.start_at = zonedToUtc(d.startAt, timeZone) || undefined;
  if (d.windowOn) schedule.window = { days: [...d.days].sort((a, b) => a - b), start: d.windowStart, end: d.windowEnd };
  const rate = Number(d.rate.replace(",", "."));
  const ratio = Number(d.failurePercent.replace(",", "."));
  const over = Number(d.overLast);
  return {
    name: d.name.trim(),
    connection_ids: d.connectionIds,
    audience: d.all ? { all: true } : { tags: d.tags, segment_ids: d.segmentIds },
    message,
    rate_per_second: d.rate.trim() && Number.isFinite(rate) ? rate : null,
    schedule,
    stop_rules: {
      failure_ratio: d.failurePercent.trim() && Number.isFinite(ratio) ? Math.round(ratio * 10) / 1000 : 0,
      over_last: d.overLast.trim() && Number.isFinite(over) ? Math.round(over) : 0,
    },
    pacing: pacingFromDraft(d),
  };
}

/** The wizard's draft for a saved campaign (editing a draft). */
export function draftFromCampaign(c: Campaign, timeZone: string): Draft {
  const d = emptyDraft();
  const m = c.message;
  const w = c.schedule?.window;
  return {
    ...d,
    name: c.name,
    connectionIds: c.connection_ids ?? [],
    all: Boolean(c.audience?.all),
    tags: c.audience?.tags ?? [],
    segmentIds: c.audience?.segment_ids ?? [],
    type: m?.type ?? "text",
    template: m?.template ? templateKey(m.template.name, m.template.language) : "",
    choices: choicesFrom(m?.template?.variables),
    headerMedia: m?.template?.header_media?.link ?? "",
    text: m?.text ?? "",
    variations: m?.variations ?? [],
    mediaLink: m?.media?.link ?? "",
    later: Boolean(c.schedule?.start_at),
    startAt: c.schedule?.start_at ? utcToZoned(c.schedule.start_at, timeZone) : "",
    windowOn: Boolean(w),
    days: w?.days ?? d.days,
    windowStart: w?.start ?? d.windowStart,
    windowEnd: w?.end ?? d.windowEnd,
    rate: c.rate_per_second ? String(c.rate_per_second) : "",
    failurePercent: c.stop_rules?.failure_ratio ? String(Math.round(c.stop_rules.failure_ratio * 1000) / 10) : d.failurePercent,
    overLast: c.stop_rules?.over_last ? String(c.stop_rules.over_last) : d.overLast,
    delayMin: c.pacing?.delay_max_seconds ? String(c.pacing.delay_min_seconds ?? 0) : "",
    delayMax: c.pacing?.delay_max_seconds ? String(c.pacing.delay_max_seconds) : "",
    dailyCap: c.pacing?.daily_cap ? String(c.pacing.daily_cap) : "",
  };
}

export const STEPS = ["basics", "audience", "message", "schedule", "speed", "review"] as const;
export type Step = (typeof STEPS)[number];

/** The wizard step an API error is about: by field path, else by code. */
export function stepOf(pathOrCode: string): Step {
  const p = pathOrCode;
  if (p === "name" || p.startsWith("connection")) return "basics";
  if (p.startsWith("audience") || p === "unknown_tag" || p === "audience_required") return "audience";
  if (p.startsWith("message") || p.startsWith("template")) return "message";
  if (p.startsWith("schedule")) return "schedule";
  if (p === "rate_per_second" || p.startsWith("stop_rules") || p.startsWith("pacing")) return "speed";
  return "review";
}

/** Checks the browser can make before asking the server, as field → error code. */
export function localErrors(step: Step, d: Draft, bodyVars: string[], now = Date.now(), timeZone = "UTC"): Record<string, string> {
  const e: Record<string, string> = {};
  if (step === "basics") {
    if (!d.name.trim()) e.name = "required";
    if (!d.connectionIds.length) e.connection_ids = "connections_required";
  }
  if (step === "audience" && !d.all && !d.tags.length && !d.segmentIds.length) e.audience = "audience_required";
  if (step === "message") {
    if (d.type === "template") {
      if (!d.template) e["message.template"] = "template_required";
      else if (missingVariables(bodyVars, d.choices).length) e["message.template.variables"] = "field_or_value";
    } else {
      if (d.type === "text" && !d.text.trim()) e["message.text"] = "required";
      if (d.type !== "text" && !/^https?:\/\/\S+$/.test(d.mediaLink.trim())) e["message.media"] = "link_required";
    }
  }
  if (step === "schedule") {
    if (d.later) {
      const at = d.startAt ? zonedToUtc(d.startAt, timeZone) : "";
      if (!at) e["schedule.start_at"] = "required";
      else if (Date.parse(at) < now - 60_000) e["schedule.start_at"] = "in_the_past";
    }
    if (d.windowOn && (!d.days.length || !d.windowStart || !d.windowEnd || d.windowStart === d.windowEnd)) e["schedule.window"] = "invalid_window";
  }
  if (step === "speed") {
    const rate = Number(d.rate.replace(",", "."));
    if (d.rate.trim() && (!Number.isFinite(rate) || rate <= 0 || rate > 1000)) e.rate_per_second = "invalid_rate";
    const ratio = Number(d.failurePercent.replace(",", "."));
    const over = Number(d.overLast);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 100 || !Number.isInteger(over) || over < 0 || over > 10000) {
      e.stop_rules = "invalid_stop_rules";
    }
    const whole = (s: string, top: number) => !s.trim() || (/^\d+$/.test(s.trim()) && Number(s) <= top);
    if (!whole(d.delayMin, 3600) || !whole(d.delayMax, 3600) || (d.delayMax.trim() && Number(d.delayMax) < Number(d.delayMin || 0))) {
      e.pacing = "invalid_delay";
    }
    if (!whole(d.dailyCap, 1000000)) e["pacing.daily_cap"] = "out_of_range";
  }
  return e;
}

/** The contact filters whose counts add up to an audience (POST /segments/count). */
export function audienceFilters(
  d: Pick<Draft, "all" | "tags" | "segmentIds">,
  segments: { id: string; filter: Record<string, unknown> }[],
  consent?: "opted_in",
): Record<string, unknown>[] {
  const withConsent = (f: Record<string, unknown>) => {
    if (!consent) return f;
    // A segment about another consent state has nobody with an opt-in.
    if (f.consent && f.consent !== consent) return null;
    return { ...f, consent };
  };
  const out: (Record<string, unknown> | null)[] = [];
  if (d.all) out.push(withConsent({}));
  else {
    if (d.tags.length) out.push(withConsent({ tags: { any: d.tags } }));
    for (const id of d.segmentIds) {
      const s = segments.find((x) => x.id === id);
      if (s) out.push(withConsent(s.filter ?? {}));
    }
  }
  return out.filter((f): f is Record<string, unknown> => f !== null);
}

/** The funnel: everyone, then how many got at least this far. */
export function funnel(s: Stats): { key: "total" | "sent" | "delivered" | "read" | "replied"; value: number }[] {
  return [
    { key: "total", value: s.total },
    { key: "sent", value: s.sent + s.delivered + s.read + s.replied },
    { key: "delivered", value: s.delivered + s.read + s.replied },
    { key: "read", value: s.read + s.replied },
    { key: "replied", value: s.replied },
  ];
}

/** Whether a campaign's numbers still move: sending, or delivery and read reports still arriving. */
export function pollEvery(c: { status: string; finished_at: string | null }, live: boolean, now = Date.now()): number | false {
  if (c.status === "running" || c.status === "scheduled") return live ? 5000 : 2000;
  const finished = c.finished_at ? Date.parse(c.finished_at) : NaN;
  if ((c.status === "completed" || c.status === "canceled" || c.status === "paused") && (!finished || now - finished < 15 * 60_000)) {
    return 10_000;
  }
  return false;
}

/** Whether a typed phone could be a number at all (8 to 15 digits, only phone punctuation). */
export function plausiblePhone(s: string): boolean {
  if (!/^[+\d\s().-]+$/.test(s.trim())) return false;
  const digits = s.replace(/\D/g, "").length;
  return digits >= 8 && digits <= 15;
}
