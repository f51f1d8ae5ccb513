import { describe, expect, it } from "vitest";
import type { Message } from "./api";
import { listParams, readFilters } from "./api";
import {
  buildTimeline,
  cannedVariables,
  dayKey,
  formatRemaining,
  headerFileProblem,
  headerLinkOk,
  initials,
  insertCanned,
  isScheduled,
  slashQuery,
  snoozeUntil,
  tickFor,
  windowAt,
} from "./logic";
import { applyEvent, backoffMs, keysFor } from "../../app/live";
import { QueryClient, QueryObserver } from "@tanstack/react-query";

const msg = (over: Partial<Message>): Message => ({
  id: "m",
  conversation_id: "c",
  contact_id: "k",
  connection_id: "x",
  direction: "inbound",
  type: "text",
  text: "",
  content: null,
  status: "received",
  sent_at: null,
  delivered_at: null,
  read_at: null,
  failed_at: null,
  created_at: "2026-11-25T12:00:00Z",
  ...over,
});

describe("tickFor", () => {
  it.each([
    ["queued", "clock"],
    ["sending", "clock"],
    ["sent", "sent"],
    ["delivered", "delivered"],
    ["read", "read"],
    ["failed", "failed"],
    ["received", null],
    ["internal", null],
  ])("%s -> %s", (status, want) => {
    expect(tickFor(status)).toBe(want);
  });
});

describe("the 24-hour window", () => {
  const now = Date.parse("2026-11-25T12:00:00Z");
  it("has no window without a closing time (SMS, Simulator)", () => {
    expect(windowAt(null, now).state).toBe("none");
    expect(windowAt(undefined, now).state).toBe("none");
    expect(windowAt("not a date", now).state).toBe("none");
  });
  it("is open with the time left, closing in its last hour, then closed", () => {
    expect(windowAt("2026-11-26T11:00:00Z", now)).toEqual({ state: "open", remainingMs: 23 * 3_600_000 });
    expect(windowAt("2026-11-25T12:30:00Z", now).state).toBe("closing");
    expect(windowAt("2026-11-25T12:00:00Z", now)).toEqual({ state: "closed", remainingMs: 0 });
    expect(windowAt("2026-11-24T12:00:00Z", now).state).toBe("closed");
  });
  it("writes the time left the way people read it", () => {
    expect(formatRemaining(23 * 3_600_000 + 5 * 60_000 + 59_000)).toBe("23h 05min");
    expect(formatRemaining(12 * 60_000)).toBe("12 min");
    expect(formatRemaining(30_000)).toBe("< 1 min");
  });
});

describe("buildTimeline", () => {
  const day = (iso: string) => iso.slice(0, 10);
  const now = Date.parse("2026-11-26T12:00:00Z");
  it("puts a day separator when the day changes", () => {
    const items = buildTimeline(
      [msg({ id: "a", created_at: "2026-11-25T10:00:00Z" }), msg({ id: "b", created_at: "2026-11-25T11:00:00Z" }), msg({ id: "c", created_at: "2026-11-26T09:00:00Z" })],
      day,
      now,
    );
    expect(items.map((i) => (i.kind === "day" ? `day:${i.key}` : i.kind === "message" ? i.m.id : "?"))).toEqual([
      "day:2026-11-25",
      "a",
      "b",
      "day:2026-11-26",
      "c",
    ]);
  });
  it("folds reactions into the bubble they react to, by provider id, the latest per side winning", () => {
    const items = buildTimeline(
      [
        msg({ id: "a", provider_message_id: "wamid.A", direction: "outbound", status: "read", text: "Pronto!" }),
        msg({ id: "r1", type: "reaction", content: { reaction: { message_id: "wamid.A", emoji: "👍" } } }),
        msg({ id: "r2", type: "reaction", content: { reaction: { message_id: "wamid.A", emoji: "❤️" } } }),
        msg({ id: "r3", type: "reaction", direction: "outbound", content: { reaction: { message_id: "a", emoji: "🙏" } } }),
        msg({ id: "r4", type: "reaction", content: { reaction: { message_id: "unknown", emoji: "😮" } } }),
      ],
      day,
      now,
    );
    const bubbles = items.filter((i) => i.kind === "message");
    expect(bubbles.map((i) => i.kind === "message" && i.m.id)).toEqual(["a", "r4"]);
    const a = bubbles[0];
    expect(a.kind === "message" && a.reactions).toEqual([
      { emoji: "❤️", from: "inbound" },
      { emoji: "🙏", from: "outbound" },
    ]);
  });
  it("an empty emoji takes the reaction back", () => {
    const items = buildTimeline(
      [
        msg({ id: "a", provider_message_id: "wamid.A" }),
        msg({ id: "r1", type: "reaction", direction: "outbound", content: { reaction: { message_id: "a", emoji: "👍" } } }),
        msg({ id: "r2", type: "reaction", direction: "outbound", content: { reaction: { message_id: "a", emoji: "" } } }),
      ],
      day,
      now,
    );
    const a = items.find((i) => i.kind === "message");
    expect(a?.kind === "message" && a.reactions).toEqual([]);
  });
  it("resolves quotes from ours (reply_to) and the contact's (context_id)", () => {
    const items = buildTimeline(
      [
        msg({ id: "a", provider_message_id: "wamid.A", text: "Tem bolo?" }),
        msg({ id: "b", direction: "outbound", reply_to: "wamid.A", provider_message_id: "wamid.B" }),
        msg({ id: "c", content: { context_id: "wamid.B" } }),
      ],
      day,
      now,
    );
    const quoted = items.filter((i) => i.kind === "message").map((i) => (i.kind === "message" ? i.quoted?.id : ""));
    expect(quoted).toEqual([undefined, "a", "b"]);
  });
  it("keeps scheduled messages at the end, in their own group", () => {
    const items = buildTimeline(
      [
        msg({ id: "s", direction: "outbound", status: "queued", send_at: "2026-11-27T09:00:00Z", created_at: "2026-11-25T10:00:00Z" }),
        msg({ id: "a", created_at: "2026-11-25T11:00:00Z" }),
        msg({ id: "q", direction: "outbound", status: "queued", send_at: "2026-11-25T11:00:01Z", created_at: "2026-11-25T11:00:01Z" }),
      ],
      day,
      now,
    );
    expect(items.map((i) => `${i.kind}:${i.kind === "day" ? i.key : i.m.id}`)).toEqual(["day:2026-11-25", "message:a", "message:q", "scheduled:s"]);
  });
  it("knows a scheduled message from one merely waiting its turn", () => {
    expect(isScheduled({ status: "queued", send_at: "2026-11-26T13:00:00Z" }, now)).toBe(true);
    expect(isScheduled({ status: "queued", send_at: "2026-11-26T12:00:00Z" }, now)).toBe(false);
    expect(isScheduled({ status: "sent", send_at: "2026-11-26T13:00:00Z" }, now)).toBe(false);
    expect(isScheduled({ status: "queued", send_at: null }, now)).toBe(false);
  });
});

describe("dayKey", () => {
  it("follows the company's time zone", () => {
    expect(dayKey("2026-11-26T01:30:00Z", "America/Sao_Paulo")).toBe("2026-11-25");
    expect(dayKey("2026-11-26T01:30:00Z", "UTC")).toBe("2026-11-26");
  });
});

describe("canned responses in the composer", () => {
  it("finds the / being typed at the start or after a space", () => {
    expect(slashQuery("/hor", 4)).toEqual({ query: "hor", start: 0 });
    expect(slashQuery("Oi! /pre", 8)).toEqual({ query: "pre", start: 4 });
    expect(slashQuery("/", 1)).toEqual({ query: "", start: 0 });
    expect(slashQuery("/horário-de_sábado", 18)).toEqual({ query: "horário-de_sábado", start: 0 });
  });
  it("ignores slashes inside words, links and dates", () => {
    expect(slashQuery("25/11", 5)).toBeNull();
    expect(slashQuery("https://x.com/a", 15)).toBeNull();
    expect(slashQuery("/hor ario", 9)).toBeNull();
  });
  it("puts the response in place of /query and the caret after it", () => {
    expect(insertCanned("Oi! /hor e tchau", 8, 4, "Abrimos às 8h")).toEqual({ text: "Oi! Abrimos às 8h e tchau", caret: 17 });
  });
  it("lists the variables used and those the server will not know", () => {
    expect(cannedVariables("Oi {{contact.first_name}}, sou {{ agent.name }} da {{company.name}} ({{conversation.protocol}}) {{contact.cidade}}")).toEqual({
      used: ["contact.first_name", "agent.name", "company.name", "conversation.protocol", "contact.cidade"],
      unknown: [],
    });
    expect(cannedVariables("{{nome}} {{agent.email}} {{contact.name}} {{nome}}")).toEqual({
      used: ["nome", "agent.email", "contact.name"],
      unknown: ["nome", "agent.email"],
    });
  });
});

describe("snooze presets", () => {
  const now = new Date(2026, 10, 25, 14, 30); // a Wednesday, local time
  it("ends at sensible times", () => {
    expect(snoozeUntil("1h", now)?.getTime()).toBe(now.getTime() + 3_600_000);
    expect(snoozeUntil("tomorrow", now)).toEqual(new Date(2026, 10, 26, 9, 0));
    expect(snoozeUntil("next_week", now)).toEqual(new Date(2026, 10, 30, 9, 0));
    expect(snoozeUntil("next_week", new Date(2026, 10, 30, 8, 0))).toEqual(new Date(2026, 11, 7, 9, 0));
    expect(snoozeUntil("until_reply", now)).toBeNull();
  });
});

describe("inbox filters", () => {
  it("reads the URL with safe defaults", () => {
    expect(readFilters(new URLSearchParams(""))).toEqual({ tab: "mine", status: "open", team_id: "", label: "", connection_id: "", q: "" });
    expect(readFilters(new URLSearchParams("tab=bogus&status=bogus")).tab).toBe("mine");
    expect(readFilters(new URLSearchParams("tab=all&status=all&q=ana&label=L")).status).toBe("all");
  });
  it("serves the queue oldest first and maps tabs to assignee", () => {
    expect(listParams(readFilters(new URLSearchParams("tab=unassigned")))).toEqual({ assignee: "unassigned", sort: "oldest", status: "open" });
    expect(listParams(readFilters(new URLSearchParams("tab=mine&status=snoozed&team=T")))).toEqual({ assignee: "me", status: "snoozed", team_id: "T" });
    expect(listParams(readFilters(new URLSearchParams("tab=all&status=all&q=%20ana%20&connection=C")))).toEqual({ q: "ana", connection_id: "C" });
  });
});

describe("live events", () => {
  it("refresh the conversation they concern, its messages and the lists", () => {
    expect(keysFor({ type: "message.status", data: { conversation_id: "c1", message_id: "m", status: "read" } })).toEqual([
      ["messages", "c1"],
      ["conversation", "c1"],
      ["conversations"],
    ]);
    expect(keysFor({ type: "conversation.assigned", data: { conversation_id: "c1" } })).toContainEqual(["conversations"]);
    expect(keysFor({ type: "resync" })).toBe("all");
    expect(keysFor({ type: "member.availability", data: { user_id: "u", availability: "online" } })).toContainEqual(["me"]);
    expect(keysFor({ type: "contact.deleted", data: { contact_id: "k" } })).toContainEqual(["contacts"]);
    expect(keysFor({ type: "something.new" })).toEqual([]);
  });
  it("back off when reconnecting, up to 15 seconds", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });
});

describe("initials", () => {
  it("takes the first and last names", () => {
    expect(initials("Ana Maria Souza")).toBe("AS");
    expect(initials("bruno")).toBe("B");
    expect(initials("  ")).toBe("?");
  });
});

describe("template media headers", () => {
  it("takes what WhatsApp takes, and says why not", () => {
    expect(headerFileProblem("IMAGE", { type: "image/png", size: 1000 })).toBe("");
    expect(headerFileProblem("IMAGE", { type: "image/gif", size: 1000 })).toBe("wrong_type");
    expect(headerFileProblem("IMAGE", { type: "application/pdf", size: 1000 })).toBe("wrong_type");
    expect(headerFileProblem("IMAGE", { type: "image/jpeg", size: 5 * 1024 * 1024 + 1 })).toBe("too_large");
    expect(headerFileProblem("IMAGE", { type: "image/png", size: 0 })).toBe("empty");
    expect(headerFileProblem("VIDEO", { type: "video/mp4", size: 16 * 1024 * 1024 })).toBe("");
    expect(headerFileProblem("DOCUMENT", { type: "application/pdf", size: 50 * 1024 * 1024 })).toBe("");
    expect(headerFileProblem("DOCUMENT", { type: "image/png", size: 10 })).toBe("wrong_type");
    expect(headerFileProblem("DOCUMENT", { type: "", size: 10 })).toBe("");
  });
  it("wants an https link", () => {
    expect(headerLinkOk("https://example.com/cardapio.png")).toBe(true);
    expect(headerLinkOk("http://example.com/cardapio.png")).toBe(false);
    expect(headerLinkOk("cardapio.png")).toBe(false);
  });
});

describe("live events", () => {
  it("loads a conversation again when a message arrives during its first load", async () => {
    const qc = new QueryClient();
    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const obs = new QueryObserver(qc, {
      queryKey: ["messages", "c1"],
      queryFn: async () => {
        calls++;
        if (calls === 1) await gate; // read before the message was stored
        return calls;
      },
    });
    const unsubscribe = obs.subscribe(() => {});
    await new Promise((r) => setTimeout(r, 0));
    applyEvent(qc, { type: "message.created", data: { conversation_id: "c1", message_id: "m", direction: "inbound" } });
    release();
    for (let i = 0; i < 50 && qc.getQueryData(["messages", "c1"]) !== 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(calls).toBe(2);
    expect(qc.getQueryData(["messages", "c1"])).toBe(2);
    unsubscribe();
    qc.clear();
  });
});
