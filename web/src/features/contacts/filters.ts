// Pure logic of the contacts filters: the list filter kept in the page URL,
// the query string the API reads, and the segment filter builder.

export type Consent = "opted_in" | "opted_out" | "unknown";
export const CONSENTS: Consent[] = ["opted_in", "opted_out", "unknown"];

export type FieldType = "text" | "number" | "date" | "boolean" | "choice";
export type FieldOp = "equals" | "contains" | "before" | "after" | "empty" | "not_empty";

export interface Range {
  before?: string;
  after?: string;
}

export interface FieldCondition {
  key: string;
  op: FieldOp;
  value?: string | number | boolean;
}

/** The filter the API takes for segments, bulk actions and counts. */
export interface Filter {
  q?: string;
  tags?: { any?: string[]; all?: string[]; none?: string[] };
  fields?: FieldCondition[];
  consent?: Consent;
  last_inbound?: Range;
  last_outbound?: Range;
  created?: Range;
}

/** The filter of the contacts list, as kept in the page's URL. */
export interface ListFilter {
  q: string;
  tag: string;
  consent: Consent | "";
  segment: string;
}

export const EMPTY_LIST_FILTER: ListFilter = { q: "", tag: "", consent: "", segment: "" };

export function listFilterFromParams(params: URLSearchParams): ListFilter {
  const consent = params.get("consent") ?? "";
  return {
    q: (params.get("q") ?? "").trim(),
    tag: params.get("tag") ?? "",
    consent: (CONSENTS as string[]).includes(consent) ? (consent as Consent) : "",
    segment: params.get("segment") ?? "",
  };
}

/** Writes the list filter into URL parameters, keeping unrelated ones (such as the open contact). */
export function listFilterToParams(f: ListFilter, base?: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(base);
  const set = (k: string, v: string) => (v ? out.set(k, v) : out.delete(k));
  set("q", f.q.trim());
  set("tag", f.tag);
  set("consent", f.consent);
  set("segment", f.segment);
  return out;
}

export function isFiltered(f: ListFilter): boolean {
  return Boolean(f.q || f.tag || f.consent || f.segment);
}

/** The API's list parameters (GET /contacts, /contacts/count, /contacts/export). */
export function listApiParams(f: ListFilter): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.q.trim()) out.q = f.q.trim();
  if (f.tag) out.tag = f.tag;
  if (f.segment) out.segment_id = f.segment;
  if (f.consent) out.consent = f.consent;
  return out;
}

/** "?q=ana&tag=t1" for the API, or "" with no filter. */
export function listQueryString(f: ListFilter): string {
  const s = new URLSearchParams(listApiParams(f)).toString();
  return s ? `?${s}` : "";
}

/**
 * The same set of contacts as the list filter, as a Filter for POST /contacts/bulk.
 * With a segment, the segment's filter is narrowed by the list's text, tag and consent;
 * null when that cannot be said in one Filter (the segment and the search both have a text).
 */
export function toBulkFilter(f: ListFilter, segment?: Filter | null): Filter | null {
  if (f.segment && !segment) return null;
  const out: Filter = segment ? structuredClone(segment) : {};
  const q = f.q.trim();
  if (q) {
    if (out.q && out.q !== q) return null;
    out.q = q;
  }
  if (f.tag) {
    const all = out.tags?.all ?? [];
    out.tags = { ...out.tags, all: all.includes(f.tag) ? all : [...all, f.tag] };
  }
  if (f.consent) {
    if (out.consent && out.consent !== f.consent) return null;
    out.consent = f.consent;
  }
  return out;
}

export const OPS_BY_TYPE: Record<FieldType, FieldOp[]> = {
  text: ["equals", "contains", "empty", "not_empty"],
  number: ["equals", "before", "after", "empty", "not_empty"],
  date: ["equals", "before", "after", "empty", "not_empty"],
  boolean: ["equals", "empty", "not_empty"],
  choice: ["equals", "empty", "not_empty"],
};

/** The translation key of an operator's name: for numbers "before"/"after" read as less/more than. */
export function opLabelKey(type: FieldType | undefined, op: FieldOp): string {
  if (type === "number" && op === "before") return "contacts.ops.less";
  if (type === "number" && op === "after") return "contacts.ops.greater";
  return `contacts.ops.${op}`;
}

export function opNeedsValue(op: FieldOp): boolean {
  return op !== "empty" && op !== "not_empty";
}

/** The segment builder's editable state: plain strings, dates as YYYY-MM-DD in the company's zone. */
export interface Draft {
  q: string;
  any: string[];
  all: string[];
  none: string[];
  fields: { key: string; op: FieldOp; value: string }[];
  consent: Consent | "";
  last_inbound: { before: string; after: string };
  last_outbound: { before: string; after: string };
  created: { before: string; after: string };
}

export const DATE_RANGES = ["last_inbound", "last_outbound", "created"] as const;
export type DateRangeKey = (typeof DATE_RANGES)[number];

export function emptyDraft(): Draft {
  return {
    q: "",
    any: [],
    all: [],
    none: [],
    fields: [],
    consent: "",
    last_inbound: { before: "", after: "" },
    last_outbound: { before: "", after: "" },
    created: { before: "", after: "" },
  };
}

/** Minutes to add to UTC to get the wall clock in `timeZone` at `date`. */
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
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour") % 24, n("minute"), n("second"));
  return Math.round((wall - date.getTime()) / 60_000);
}

/** The instant a day (YYYY-MM-DD) starts in `timeZone`, as RFC 3339 UTC. */
export function dayStart(day: string, timeZone?: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return "";
  const utcMidnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (!timeZone) return new Date(utcMidnight).toISOString().replace(".000Z", "Z");
  let guess = utcMidnight - zoneOffsetMinutes(new Date(utcMidnight), timeZone) * 60_000;
  // A second pass settles days when the offset changes around midnight (daylight saving time).
  guess = utcMidnight - zoneOffsetMinutes(new Date(guess), timeZone) * 60_000;
  return new Date(guess).toISOString().replace(".000Z", "Z");
}

/** The day (YYYY-MM-DD) an instant falls on in `timeZone`. */
export function dayOf(iso: string | undefined, timeZone?: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(d);
  const p = (type: string) => parts.find((x) => x.type === type)?.value ?? "";
  return `${p("year")}-${p("month")}-${p("day")}`;
}

export function draftFromFilter(f: Filter | null | undefined, timeZone?: string): Draft {
  const d = emptyDraft();
  if (!f) return d;
  d.q = f.q ?? "";
  d.any = [...(f.tags?.any ?? [])];
  d.all = [...(f.tags?.all ?? [])];
  d.none = [...(f.tags?.none ?? [])];
  d.fields = (f.fields ?? []).map((c) => ({ key: c.key, op: c.op, value: c.value === undefined || c.value === null ? "" : String(c.value) }));
  d.consent = f.consent ?? "";
  for (const k of DATE_RANGES) {
    d[k] = { before: dayOf(f[k]?.before, timeZone), after: dayOf(f[k]?.after, timeZone) };
  }
  return d;
}

/**
 * The Filter for the API from the builder's draft: empty parts dropped, conditions
 * without a field or a needed value left out, values typed by the field's definition.
 */
export function filterFromDraft(d: Draft, types: Record<string, FieldType>, timeZone?: string): Filter {
  const f: Filter = {};
  if (d.q.trim()) f.q = d.q.trim();
  const tags: NonNullable<Filter["tags"]> = {};
  if (d.any.length) tags.any = [...d.any];
  if (d.all.length) tags.all = [...d.all];
  if (d.none.length) tags.none = [...d.none];
  if (Object.keys(tags).length) f.tags = tags;
  const fields: FieldCondition[] = [];
  for (const c of d.fields) {
    const type = types[c.key];
    if (!type || !OPS_BY_TYPE[type].includes(c.op)) continue;
    if (!opNeedsValue(c.op)) {
      fields.push({ key: c.key, op: c.op });
      continue;
    }
    const raw = c.value.trim();
    if (!raw) continue;
    if (type === "number") {
      const n = Number(raw.replace(",", "."));
      if (Number.isNaN(n)) continue;
      fields.push({ key: c.key, op: c.op, value: n });
    } else if (type === "boolean") {
      fields.push({ key: c.key, op: c.op, value: raw === "true" });
    } else {
      fields.push({ key: c.key, op: c.op, value: raw });
    }
  }
  if (fields.length) f.fields = fields;
  if (d.consent) f.consent = d.consent;
  for (const k of DATE_RANGES) {
    const r: Range = {};
    if (d[k].before) r.before = dayStart(d[k].before, timeZone);
    if (d[k].after) r.after = dayStart(d[k].after, timeZone);
    if (r.before || r.after) f[k] = r;
  }
  return f;
}

export function isEmptyFilter(f: Filter): boolean {
  return Object.keys(f).length === 0;
}
