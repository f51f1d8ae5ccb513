import { describe, expect, it } from "vitest";
import type { Campaign, Stats } from "./api";
import {
  addSample,
  audienceFilters,
  buildVariables,
  choicesFrom,
  doneCount,
  draftFromCampaign,
  emptyDraft,
  etaSeconds,
  funnel,
  groupFailures,
  inputFromDraft,
  insertField,
  localErrors,
  missingVariables,
  pace,
  pacingFromDraft,
  personalize,
  plausiblePhone,
  pollEvery,
  previewValues,
  progressPercent,
  stepOf,
  templateSlots,
  unknownFields,
  utcToZoned,
  zonedToUtc,
} from "./logic";

const stats = (over: Partial<Stats> = {}): Stats => ({
  total: 0,
  pending: 0,
  queued: 0,
  sent: 0,
  delivered: 0,
  read: 0,
  replied: 0,
  failed: 0,
  skipped: 0,
  ...over,
});

describe("progress", () => {
  it("counts settled recipients, failures and skips included", () => {
    const s = stats({ total: 10, pending: 3, queued: 1, sent: 1, delivered: 1, read: 1, replied: 1, failed: 1, skipped: 1 });
    expect(doneCount(s)).toBe(6);
    expect(progressPercent(s)).toBe(60);
  });
  it("is 0 for an empty audience and 100 when all settled, never over", () => {
    expect(progressPercent(stats())).toBe(0);
    expect(progressPercent(stats({ total: 3, read: 2, skipped: 1 }))).toBe(100);
    expect(progressPercent(stats({ total: 3, read: 3, skipped: 1 }))).toBe(100);
  });
  it("rounds down so 100% means done", () => {
    expect(progressPercent(stats({ total: 1000, sent: 999 }))).toBe(99);
  });
  it("makes the funnel cumulative", () => {
    const f = funnel(stats({ total: 10, sent: 2, delivered: 3, read: 1, replied: 1, failed: 2, skipped: 1 }));
    expect(f.map((x) => x.value)).toEqual([10, 7, 5, 2, 1]);
  });
});

describe("pace and ETA", () => {
  it("measures the pace over the samples kept", () => {
    let s = addSample([], { at: 0, done: 0 });
    s = addSample(s, { at: 5000, done: 50 });
    s = addSample(s, { at: 10_000, done: 100 });
    expect(pace(s)).toBe(10);
  });
  it("drops old samples and restarts when the count goes down", () => {
    let s = addSample([], { at: 0, done: 0 });
    s = addSample(s, { at: 40_000, done: 400 });
    expect(s).toHaveLength(1);
    s = addSample(s, { at: 41_000, done: 5 });
    expect(s).toEqual([{ at: 41_000, done: 5 }]);
  });
  it("has no pace too early or without progress", () => {
    expect(pace([{ at: 0, done: 0 }])).toBeNull();
    expect(pace([{ at: 0, done: 0 }, { at: 1000, done: 10 }])).toBeNull();
    expect(pace([{ at: 0, done: 5 }, { at: 5000, done: 5 }])).toBeNull();
  });
  it("estimates from the pace, else from the configured rate and connections", () => {
    const s = stats({ total: 100, sent: 40 });
    expect(etaSeconds(s, 6, null)).toBe(10);
    expect(etaSeconds(s, null, 2, 3)).toBe(10);
    expect(etaSeconds(s, null, null)).toBeNull();
    expect(etaSeconds(stats({ total: 5, read: 5 }), null, null)).toBe(0);
  });
  it("polls fast while sending, slower for a while after", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(pollEvery({ status: "running", finished_at: null }, false, now)).toBe(2000);
    expect(pollEvery({ status: "running", finished_at: null }, true, now)).toBe(5000);
    expect(pollEvery({ status: "completed", finished_at: "2026-11-25T11:58:00Z" }, true, now)).toBe(10_000);
    expect(pollEvery({ status: "completed", finished_at: "2026-11-24T11:58:00Z" }, true, now)).toBe(false);
    expect(pollEvery({ status: "draft", finished_at: null }, true, now)).toBe(false);
  });
});

describe("failures", () => {
  it("groups failed and skipped recipients by code, biggest first", () => {
    const g = groupFailures([
      { status: "skipped", error_code: "no_consent", error_reason: "x" },
      { status: "failed", error_code: "131026", error_reason: "undeliverable" },
      { status: "skipped", error_code: "no_consent", error_reason: "x" },
      { status: "read", error_code: "", error_reason: "" },
    ]);
    expect(g).toEqual([
      { status: "skipped", code: "no_consent", reason: "x", count: 2 },
      { status: "failed", code: "131026", reason: "undeliverable", count: 1 },
    ]);
  });
});

describe("template variables", () => {
  const components = [
    { type: "HEADER", format: "IMAGE" },
    { type: "BODY", text: "Olá {{1}}, {{2}} para você até {{3}}." },
    { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Quero" }] },
  ];
  it("finds body variables and a media header", () => {
    expect(templateSlots(components)).toEqual({ body: ["1", "2", "3"], headerMedia: "IMAGE", unsupported: false });
  });
  it("marks what campaigns cannot fill: header text and link button variables", () => {
    expect(templateSlots([{ type: "HEADER", format: "TEXT", text: "Pedido {{1}}" }, { type: "BODY", text: "Oi" }]).unsupported).toBe(true);
    expect(templateSlots([{ type: "BUTTONS", buttons: [{ type: "URL", url: "https://x.example/{{1}}" }] }]).unsupported).toBe(true);
    expect(templateSlots([{ type: "BUTTONS", buttons: [{ type: "URL", url: "https://x.example/" }] }]).unsupported).toBe(false);
  });
  it("builds the mapping: the first variable defaults to the first name", () => {
    const vars = buildVariables(["1", "2", "3"], {
      "2": { source: "value", field: "name", value: "20% off" },
      "3": { source: "field", field: "cidade", value: "" },
    });
    expect(vars).toEqual({ "1": { field: "first_name" }, "2": { value: "20% off" }, "3": { field: "cidade" } });
    expect(choicesFrom(vars)["2"]).toEqual({ source: "value", field: "name", value: "20% off" });
    expect(choicesFrom(vars)["3"]).toEqual({ source: "field", field: "cidade", value: "" });
  });
  it("keeps named variables by name", () => {
    expect(buildVariables(["customer"], {})).toEqual({ customer: { field: "first_name" } });
  });
  it("reports fixed texts left empty, the second variable by default", () => {
    expect(missingVariables(["1", "2"], {})).toEqual(["2"]);
    expect(missingVariables(["1", "2"], { "2": { source: "value", field: "", value: "  " } })).toEqual(["2"]);
    expect(missingVariables(["1", "2"], { "2": { source: "field", field: "phone", value: "" } })).toEqual([]);
  });
  it("previews with a sample person and fixed texts", () => {
    expect(
      previewValues(["1", "2"], { "2": { source: "value", field: "", value: "sexta" } }, { first_name: "Maria" }),
    ).toEqual({ "1": "Maria", "2": "sexta" });
  });
});

describe("text personalization", () => {
  it("fills fields like the server, unknown ones empty", () => {
    expect(personalize("Olá {{first_name}}, de {{ cidade }}{{nada}}!", { first_name: "Ana", cidade: "Recife" })).toBe("Olá Ana, de Recife!");
  });
  it("lists unknown fields once", () => {
    expect(unknownFields("{{nome}} {{first_name}} {{nome}}", ["first_name", "name"])).toEqual(["nome"]);
  });
  it("inserts a field at the cursor with spaces where needed", () => {
    expect(insertField("Olá", "first_name")).toEqual({ text: "Olá {{first_name}}", cursor: 18 });
    expect(insertField("Olá !", "name", 4)).toEqual({ text: "Olá {{name}}!", cursor: 12 });
    expect(insertField("", "name")).toEqual({ text: "{{name}}", cursor: 8 });
    expect(insertField("Oi amigo", "name", 2).text).toBe("Oi {{name}} amigo");
  });
});

describe("test phone", () => {
  it("accepts numbers as people type them and refuses what cannot be one", () => {
    expect(plausiblePhone("+55 11 97777-0000")).toBe(true);
    expect(plausiblePhone("(11) 98765-4321")).toBe(true);
    expect(plausiblePhone("123")).toBe(false);
    expect(plausiblePhone("ligar amanhã")).toBe(false);
  });
});

describe("time zone", () => {
  it("turns the company's wall clock into UTC and back", () => {
    expect(zonedToUtc("2026-11-25T14:30", "America/Sao_Paulo")).toBe("2026-11-25T17:30:00Z");
    expect(zonedToUtc("2026-07-01T09:00", "Europe/Lisbon")).toBe("2026-07-01T08:00:00Z");
    expect(utcToZoned("2026-11-25T17:30:00Z", "America/Sao_Paulo")).toBe("2026-11-25T14:30");
    expect(zonedToUtc("amanhã", "America/Sao_Paulo")).toBe("");
  });
});

describe("wizard draft", () => {
  it("builds a text campaign with variations, window and stop rules", () => {
    const d = {
      ...emptyDraft(),
      name: "  Black Friday ",
      connectionIds: ["c1"],
      tags: ["t1"],
      text: "Olá {{first_name}}",
      variations: ["Oi {{first_name}}", "  "],
      later: true,
      startAt: "2026-11-27T08:00",
      windowOn: true,
      days: [5, 1],
      rate: "2,5",
      failurePercent: "30",
      overLast: "50",
      delayMin: "5",
      delayMax: "20",
      dailyCap: "200",
    };
    expect(inputFromDraft(d, [], "America/Sao_Paulo")).toEqual({
      name: "Black Friday",
      connection_ids: ["c1"],
      audience: { tags: ["t1"], segment_ids: [] },
      message: { type: "text", text: "Olá {{first_name}}", variations: ["Oi {{first_name}}"] },
      rate_per_second: 2.5,
      schedule: { start_at: "2026-11-27T11:00:00Z", window: { days: [1, 5], start: "09:00", end: "20:00" } },
      stop_rules: { failure_ratio: 0.3, over_last: 50 },
      pacing: { delay_min_seconds: 5, delay_max_seconds: 20, daily_cap: 200 },
    });
  });
  it("reads pacing both ways: a single pause, no cap, none at all", () => {
    expect(pacingFromDraft({ ...emptyDraft(), delayMin: "8" })).toEqual({ delay_min_seconds: 8, delay_max_seconds: 8 });
    expect(pacingFromDraft({ ...emptyDraft(), dailyCap: "150" })).toEqual({ daily_cap: 150 });
    expect(pacingFromDraft(emptyDraft())).toEqual({});
    const c = { pacing: { delay_min_seconds: 0, delay_max_seconds: 30, daily_cap: 0 } } as unknown as Campaign;
    const back = draftFromCampaign(c, "UTC");
    expect([back.delayMin, back.delayMax, back.dailyCap]).toEqual(["0", "30", ""]);
  });
  it("builds a template campaign and reads it back", () => {
    const d = {
      ...emptyDraft(),
      name: "Aviso",
      connectionIds: ["c1"],
      all: true,
      type: "template" as const,
      template: "pedido_pronto|pt_BR",
      headerMedia: "https://x.example/a.jpg",
    };
    const input = inputFromDraft(d, ["1"], "UTC");
    expect(input.audience).toEqual({ all: true });
    expect(input.rate_per_second).toBeNull();
    expect(input.message).toEqual({
      type: "template",
      template: { name: "pedido_pronto", language: "pt_BR", variables: { "1": { field: "first_name" } }, header_media: { link: "https://x.example/a.jpg" } },
    });
    expect(inputFromDraft(d, ["1"], "UTC", "VIDEO").message.template?.header_media).toEqual({
      link: "https://x.example/a.jpg",
      mime_type: "video/mp4",
    });
    const saved = { ...input, id: "x", status: "draft", schedule: {}, stats: stats() } as unknown as Campaign;
    const back = draftFromCampaign(saved, "UTC");
    expect(back.template).toBe("pedido_pronto|pt_BR");
    expect(back.choices).toEqual({ "1": { source: "field", field: "first_name", value: "" } });
    expect(back.all).toBe(true);
    expect(back.failurePercent).toBe("50");
  });
  it("checks each step before going on", () => {
    const d = emptyDraft();
    expect(localErrors("basics", d, [])).toEqual({ name: "required", connection_ids: "connections_required" });
    expect(localErrors("audience", d, [])).toEqual({ audience: "audience_required" });
    expect(localErrors("message", d, [])).toEqual({ "message.text": "required" });
    expect(localErrors("message", { ...d, type: "image", text: "x", mediaLink: "foto.jpg" }, [])).toEqual({ "message.media": "link_required" });
    expect(localErrors("message", { ...d, type: "template", template: "a|pt_BR" }, ["1", "2"])).toEqual({
      "message.template.variables": "field_or_value",
    });
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(localErrors("schedule", { ...d, later: true, startAt: "2026-11-25T08:00" }, [], now, "America/Sao_Paulo")).toEqual({
      "schedule.start_at": "in_the_past",
    });
    expect(localErrors("schedule", { ...d, windowOn: true, days: [] }, [], now)).toEqual({ "schedule.window": "invalid_window" });
    expect(localErrors("speed", { ...d, rate: "0" }, [])).toEqual({ rate_per_second: "invalid_rate" });
    expect(localErrors("speed", { ...d, failurePercent: "150" }, [])).toEqual({ stop_rules: "invalid_stop_rules" });
    expect(localErrors("speed", { ...d, delayMin: "20", delayMax: "5" }, [])).toEqual({ pacing: "invalid_delay" });
    expect(localErrors("speed", { ...d, delayMin: "1,5" }, [])).toEqual({ pacing: "invalid_delay" });
    expect(localErrors("speed", { ...d, dailyCap: "-1" }, [])).toEqual({ "pacing.daily_cap": "out_of_range" });
    expect(localErrors("speed", { ...d, delayMin: "5", delayMax: "20", dailyCap: "200" }, [])).toEqual({});
  });
  it("sends an API error to its step", () => {
    expect(stepOf("name")).toBe("basics");
    expect(stepOf("connection_ids")).toBe("basics");
    expect(stepOf("audience.tags")).toBe("audience");
    expect(stepOf("message.template.variables")).toBe("message");
    expect(stepOf("template_not_found")).toBe("message");
    expect(stepOf("schedule.window")).toBe("schedule");
    expect(stepOf("stop_rules")).toBe("speed");
    expect(stepOf("pacing.daily_cap")).toBe("speed");
    expect(stepOf("internal")).toBe("review");
  });
  it("counts an audience as the sum of its parts, with consent when required", () => {
    const segs = [
      { id: "s1", filter: { q: "ana" } },
      { id: "s2", filter: { consent: "unknown" } },
    ];
    expect(audienceFilters({ all: false, tags: ["t1"], segmentIds: ["s1", "s2"] }, segs)).toEqual([
      { tags: { any: ["t1"] } },
      { q: "ana" },
      { consent: "unknown" },
    ]);
    expect(audienceFilters({ all: false, tags: ["t1"], segmentIds: ["s1", "s2"] }, segs, "opted_in")).toEqual([
      { tags: { any: ["t1"] }, consent: "opted_in" },
      { q: "ana", consent: "opted_in" },
    ]);
    expect(audienceFilters({ all: true, tags: ["t1"], segmentIds: [] }, segs)).toEqual([{}]);
  });
});
