// The inbox's pure parts: ticks, the 24-hour window, the timeline's
// grouping, canned-response typing and snooze presets. No React here, so
// each is tested on its own (logic.test.ts).
import type { Message } from "./api";

export type Tick = "clock" | "sent" | "delivered" | "read" | "failed" | null;

/** WhatsApp's ticks for a message status: a clock while waiting, ✓ sent, ✓✓ delivered, blue ✓✓ read. */
export function tickFor(status: string): Tick {
  switch (status) {
    case "queued":
    case "sending":
      return "clock";
    case "sent":
      return "sent";
    case "delivered":
      return "delivered";
    case "read":
      return "read";
    case "failed":
      return "failed";
    default:
      return null; // received, internal: no ticks
  }
}

export interface Window {
  /** none: the connection has no 24-hour rule (SMS, the Simulator…). */
  state: "none" | "open" | "closing" | "closed";
  remainingMs: number;
}

const HOUR = 3_600_000;

/** Where the 24-hour customer service window stands at `now`. */
export function windowAt(closesAt: string | null | undefined, now: number): Window {
  if (!closesAt) return { state: "none", remainingMs: 0 };
  const end = Date.parse(closesAt);
  if (Number.isNaN(end)) return { state: "none", remainingMs: 0 };
  const left = end - now;
  if (left <= 0) return { state: "closed", remainingMs: 0 };
  return { state: left <= HOUR ? "closing" : "open", remainingMs: left };
}

/** "23h 05min", "12 min", "< 1 min": how long until the window closes. */
export function formatRemaining(ms: number): string {
  if (ms < 60_000) return "< 1 min";
  const totalMin = Math.floor(ms / 60_000);
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  if (h === 0) return `${m} min`;
  return `${h}h ${String(m).padStart(2, "0")}min`;
}

/** True while a queued message waits for its send_at in the future. */
export function isScheduled(m: Pick<Message, "status" | "send_at">, now: number): boolean {
  if (m.status !== "queued" || !m.send_at) return false;
  const at = Date.parse(m.send_at);
  return !Number.isNaN(at) && at > now + 1000;
}

export type TimelineItem =
  | { kind: "day"; key: string; at: string }
  | { kind: "message"; m: Message; reactions: { emoji: string; from: "inbound" | "outbound" }[]; quoted?: Message }
  | { kind: "scheduled"; m: Message };

function reactionOf(m: Message): { message_id: string; emoji: string } | null {
  const r = (m.content as { reaction?: { message_id?: string; emoji?: string } } | null)?.reaction;
  if (!r?.message_id) return null;
  return { message_id: r.message_id, emoji: r.emoji ?? "" };
}

/** The provider id a message quotes: ours keep it in reply_to, the contact's in content.context_id. */
export function quotedId(m: Message): string {
  if (m.reply_to) return m.reply_to;
  const c = m.content as { context_id?: string; reply_to?: string } | null;
  return c?.context_id || c?.reply_to || "";
}

/**
 * Orders a conversation's messages (oldest first) for display: a day
 * separator whenever the day changes (in `dayOf`'s time zone), reactions
 * folded into the bubble they react to (the latest per side wins; an empty
 * emoji removes it), quotes resolved, and scheduled messages at the end.
 */
export function buildTimeline(messages: Message[], dayOf: (iso: string) => string, now: number): TimelineItem[] {
  const byKey = new Map<string, Message>();
  for (const m of messages) {
    byKey.set(m.id, m);
    if (m.provider_message_id) byKey.set(m.provider_message_id, m);
  }
  const reactions = new Map<string, Map<string, string>>(); // target id -> side -> emoji
  const folded = new Set<string>();
  for (const m of messages) {
    if (m.type !== "reaction") continue;
    const r = reactionOf(m);
    const target = r && byKey.get(r.message_id);
    if (!r || !target) continue;
    folded.add(m.id);
    const sides = reactions.get(target.id) ?? new Map<string, string>();
    if (r.emoji) sides.set(m.direction, r.emoji);
    else sides.delete(m.direction);
    reactions.set(target.id, sides);
  }
  const out: TimelineItem[] = [];
  const scheduled: TimelineItem[] = [];
  let lastDay = "";
  for (const m of messages) {
    if (folded.has(m.id)) continue;
    if (isScheduled(m, now)) {
      scheduled.push({ kind: "scheduled", m });
      continue;
    }
    const day = dayOf(m.created_at);
    if (day !== lastDay) {
      out.push({ kind: "day", key: day, at: m.created_at });
      lastDay = day;
    }
    const q = quotedId(m);
    const sides = reactions.get(m.id);
    out.push({
      kind: "message",
      m,
      reactions: sides ? [...sides].map(([from, emoji]) => ({ emoji, from: from as "inbound" | "outbound" })) : [],
      quoted: q ? byKey.get(q) : undefined,
    });
  }
  return [...out, ...scheduled];
}

/** A day key ("2026-11-25") in a time zone, for day separators. */
export function dayKey(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
  } catch {
    return new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
  }
}

/**
 * The canned-response search typed in the composer: "/" at the start of the
 * text or after a space, followed by shortcut characters, up to the caret.
 * Returns the query (maybe "") and where the "/" is, or null.
 */
export function slashQuery(text: string, caret: number): { query: string; start: number } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)\/([\p{L}\p{N}_-]*)$/u.exec(before);
  if (!m) return null;
  return { query: m[2], start: before.length - m[2].length - 1 };
}

/** Puts a canned response in place of the "/query" being typed; returns the text and the caret after it. */
export function insertCanned(text: string, caret: number, start: number, value: string): { text: string; caret: number } {
  const next = text.slice(0, start) + value + text.slice(caret);
  return { text: next, caret: start + value.length };
}

/** The variables a canned response can use, as typed. */
export const CANNED_VARIABLES = [
  "contact.name",
  "contact.first_name",
  "contact.phone",
  "contact.<campo>",
  "agent.name",
  "company.name",
  "conversation.protocol",
] as const;

const KNOWN = /^(contact\.[a-z0-9_]+|agent\.name|company\.name|conversation\.protocol)$/;

/** The {{variables}} of a canned response in order, and those the server will not know. */
export function cannedVariables(text: string): { used: string[]; unknown: string[] } {
  const used: string[] = [];
  for (const m of text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)) if (!used.includes(m[1])) used.push(m[1]);
  return { used, unknown: used.filter((v) => !KNOWN.test(v)) };
}

export type SnoozePreset = "1h" | "3h" | "tomorrow" | "next_week" | "until_reply";
export const SNOOZE_PRESETS: SnoozePreset[] = ["1h", "3h", "tomorrow", "next_week", "until_reply"];

/** When a snooze preset ends, in the browser's time; null: until the contact writes. */
export function snoozeUntil(preset: SnoozePreset, now: Date): Date | null {
  const d = new Date(now.getTime());
  switch (preset) {
    case "1h":
      return new Date(now.getTime() + HOUR);
    case "3h":
      return new Date(now.getTime() + 3 * HOUR);
    case "tomorrow":
      d.setDate(d.getDate() + 1);
      d.setHours(9, 0, 0, 0);
      return d;
    case "next_week": {
      const days = ((8 - d.getDay()) % 7) || 7; // the next Monday
      d.setDate(d.getDate() + days);
      d.setHours(9, 0, 0, 0);
      return d;
    }
    default:
      return null;
  }
}

/** "Ana Souza" -> "AS", "maria" -> "M". */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return "?";
  const first = parts[0][0] ?? "";
  const last = parts.length > 1 ? (parts[parts.length - 1][0] ?? "") : "";
  return (first + last).toUpperCase();
}

/** A local "datetime-local" input value for a Date. */
export function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A map link for a shared location: a plain link, nothing fetched by the page. */
export function mapLink(lat: number, lng: number): string {
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=17/${lat}/${lng}`;
}

/** A template's media header, as the send picker takes it. */
export type MediaHeader = "IMAGE" | "VIDEO" | "DOCUMENT";

/** What WhatsApp accepts in a template's media header: the file types and the largest size. */
export const HEADER_MEDIA: Record<MediaHeader, { accept: string[]; maxBytes: number }> = {
  IMAGE: { accept: ["image/jpeg", "image/png"], maxBytes: 5 * 1024 * 1024 },
  VIDEO: { accept: ["video/mp4", "video/3gpp"], maxBytes: 16 * 1024 * 1024 },
  DOCUMENT: {
    accept: [
      "application/pdf",
      "text/plain",
      "application/msword",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.ms-excel",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.ms-powerpoint",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
    maxBytes: 100 * 1024 * 1024,
  },
};

/** Why a file cannot be a template's media header, or "" when it can: checked before the upload spends time. */
export function headerFileProblem(format: MediaHeader, file: { type: string; size: number }): "" | "wrong_type" | "too_large" | "empty" {
  const rule = HEADER_MEDIA[format];
  const type = file.type.split(";")[0]!.trim().toLowerCase();
  // A type the browser does not know is left to the server, which reads the name and the bytes.
  if (type && !rule.accept.includes(type)) return "wrong_type";
  if (file.size === 0) return "empty";
  if (file.size > rule.maxBytes) return "too_large";
  return "";
}

/** A link WhatsApp can fetch a header from: https only. */
export function headerLinkOk(link: string): boolean {
  try {
    const u = new URL(link.trim());
    return u.protocol === "https:" && Boolean(u.hostname);
  } catch {
    return false;
  }
}
