import { describe, expect, it } from "vitest";
import {
  dayOf,
  dayStart,
  draftFromFilter,
  emptyDraft,
  filterFromDraft,
  isEmptyFilter,
  listApiParams,
  listFilterFromParams,
  listFilterToParams,
  listQueryString,
  OPS_BY_TYPE,
  opLabelKey,
  toBulkFilter,
  type ListFilter,
} from "./filters";
import { importEta, initialMapping, mappingTargets, mapsPhone, percent, setMapping } from "./importing";
import type { FieldDef } from "./api";

const f = (p: Partial<ListFilter>): ListFilter => ({ q: "", tag: "", consent: "", segment: "", ...p });

describe("list filter and the URL", () => {
  it("reads the filter from the page's URL and ignores unknown consent values", () => {
    expect(listFilterFromParams(new URLSearchParams("q=%20ana%20&tag=t1&consent=opted_out&segment=s1&contact=c9"))).toEqual({
      q: "ana",
      tag: "t1",
      consent: "opted_out",
      segment: "s1",
    });
    expect(listFilterFromParams(new URLSearchParams("consent=maybe")).consent).toBe("");
  });

  it("writes the filter back keeping other parameters and dropping empty ones", () => {
    const out = listFilterToParams(f({ q: "ana", consent: "opted_in" }), new URLSearchParams("contact=c9&tag=old"));
    expect(out.toString()).toBe("contact=c9&q=ana&consent=opted_in");
  });

  it("turns the filter into the API's query string", () => {
    expect(listQueryString(f({}))).toBe("");
    expect(listQueryString(f({ q: "maria silva", tag: "t1", segment: "s1", consent: "unknown" }))).toBe(
      "?q=maria+silva&tag=t1&segment_id=s1&consent=unknown",
    );
    expect(listApiParams(f({ q: "  " }))).toEqual({});
  });
});

describe("toBulkFilter", () => {
  it("says the list filter as an API filter", () => {
    expect(toBulkFilter(f({}))).toEqual({});
    expect(toBulkFilter(f({ q: "ana", tag: "t1", consent: "opted_in" }))).toEqual({
      q: "ana",
      tags: { all: ["t1"] },
      consent: "opted_in",
    });
  });

  it("narrows a segment's filter without changing the segment", () => {
    const seg = { tags: { any: ["a"], all: ["b"] }, consent: "opted_in" as const };
    expect(toBulkFilter(f({ segment: "s", tag: "c", q: "ana" }), seg)).toEqual({
      q: "ana",
      tags: { any: ["a"], all: ["b", "c"] },
      consent: "opted_in",
    });
    expect(seg.tags.all).toEqual(["b"]);
  });

  it("refuses what one filter cannot say", () => {
    expect(toBulkFilter(f({ segment: "s" }))).toBeNull();
    expect(toBulkFilter(f({ segment: "s", q: "ana" }), { q: "bia" })).toBeNull();
    expect(toBulkFilter(f({ segment: "s", consent: "opted_out" }), { consent: "opted_in" })).toBeNull();
  });
});

describe("segment filter builder", () => {
  const types = { city: "text", age: "number", vip: "boolean", birthday: "date", plan: "choice" } as const;

  it("names number comparisons as less and more than", () => {
    expect(opLabelKey("number", "before")).toBe("contacts.ops.less");
    expect(opLabelKey("number", "after")).toBe("contacts.ops.greater");
    expect(opLabelKey("date", "before")).toBe("contacts.ops.before");
    expect(OPS_BY_TYPE.boolean).toEqual(["equals", "empty", "not_empty"]);
  });

  it("gives an empty filter for an empty draft", () => {
    const out = filterFromDraft(emptyDraft(), types);
    expect(out).toEqual({});
    expect(isEmptyFilter(out)).toBe(true);
  });

  it("types values by the field definitions and drops incomplete conditions", () => {
    const d = emptyDraft();
    d.q = " ana ";
    d.any = ["t1"];
    d.none = ["t2"];
    d.consent = "opted_in";
    d.fields = [
      { key: "city", op: "contains", value: "Recife" },
      { key: "age", op: "equals", value: "42,5" },
      { key: "vip", op: "equals", value: "true" },
      { key: "plan", op: "empty", value: "ignored" },
      { key: "city", op: "equals", value: "  " },
      { key: "age", op: "equals", value: "abc" },
      { key: "gone", op: "equals", value: "x" },
      { key: "vip", op: "contains", value: "x" },
    ];
    expect(filterFromDraft(d, types)).toEqual({
      q: "ana",
      tags: { any: ["t1"], none: ["t2"] },
      consent: "opted_in",
      fields: [
        { key: "city", op: "contains", value: "Recife" },
        { key: "age", op: "equals", value: 42.5 },
        { key: "vip", op: "equals", value: true },
        { key: "plan", op: "empty" },
      ],
    });
  });

  it("turns days into the instant they start in the company's time zone", () => {
    expect(dayStart("2026-03-10", "America/Sao_Paulo")).toBe("2026-03-10T03:00:00Z");
    expect(dayStart("2026-07-01", "Europe/Lisbon")).toBe("2026-06-30T23:00:00Z");
    expect(dayStart("2026-03-10")).toBe("2026-03-10T00:00:00Z");
    expect(dayStart("10/03/2026", "UTC")).toBe("");
    const d = emptyDraft();
    d.created.after = "2026-03-10";
    d.last_inbound.before = "2026-04-01";
    expect(filterFromDraft(d, {}, "America/Sao_Paulo")).toEqual({
      created: { after: "2026-03-10T03:00:00Z" },
      last_inbound: { before: "2026-04-01T03:00:00Z" },
    });
  });

  it("reads a saved filter back into the draft", () => {
    const saved = {
      q: "ana",
      tags: { all: ["t1"] },
      fields: [{ key: "age", op: "equals" as const, value: 42 }],
      created: { before: "2026-03-10T03:00:00Z" },
    };
    const d = draftFromFilter(saved, "America/Sao_Paulo");
    expect(d.all).toEqual(["t1"]);
    expect(d.fields).toEqual([{ key: "age", op: "equals", value: "42" }]);
    expect(d.created).toEqual({ before: "2026-03-10", after: "" });
    expect(filterFromDraft(d, types, "America/Sao_Paulo")).toEqual(saved);
    expect(dayOf("2026-03-10T02:59:00Z", "America/Sao_Paulo")).toBe("2026-03-09");
  });
});

describe("import mapping", () => {
  const defs: FieldDef[] = [{ id: "1", key: "city", label: "Cidade", type: "text", choices: [], created_at: "" }];

  it("offers ignore, the contact's own fields and each custom field", () => {
    expect(mappingTargets(defs).map((x) => x.value)).toEqual(["", "name", "phone", "email", "language", "tags", "notes", "fields.city"]);
  });

  it("lets one column go to each target", () => {
    const m = setMapping({ Nome: "name", Telefone: "phone", Celular: "" }, "Celular", "phone");
    expect(m).toEqual({ Nome: "name", Telefone: "", Celular: "phone" });
    expect(setMapping(m, "Nome", "")).toEqual({ Nome: "", Telefone: "", Celular: "phone" });
  });

  it("starts from the server's guess, ignoring targets that do not exist", () => {
    const m = initialMapping(["Nome", "Telefone", "E-mail", "Cidade", "Bairro"], {
      Nome: "name",
      Telefone: "phone",
      "E-mail": "email",
      Cidade: "fields.city",
      Bairro: "fields.district",
    }, defs);
    expect(m).toEqual({ Nome: "name", Telefone: "phone", "E-mail": "email", Cidade: "fields.city", Bairro: "" });
    expect(mapsPhone(m)).toBe(true);
    expect(mapsPhone({ Nome: "name" })).toBe(false);
  });
});

describe("import progress", () => {
  const started = "2026-03-10T12:00:00Z";
  const t0 = Date.parse(started);
  it("estimates the time left from the pace so far", () => {
    expect(importEta({ status: "running", total: 1000, processed: 250, created_at: started }, t0 + 10_000)).toBe(30);
    expect(importEta({ status: "running", total: 1000, processed: 0, created_at: started }, t0 + 10_000)).toBeNull();
    expect(importEta({ status: "completed", total: 1000, processed: 1000, created_at: started }, t0 + 10_000)).toBeNull();
  });
  it("rounds the percentage and never passes 100", () => {
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 4)).toBe(100);
    expect(percent(0, 0)).toBe(0);
  });
});

describe("translations the contacts pages build at run time", () => {
  it("exist in both languages", async () => {
    const { default: i18n } = await import("../../i18n");
    const { CONSENTS, DATE_RANGES } = await import("./filters");
    const { CONSENT_SOURCES } = await import("./api");
    const keys = [
      ...mappingTargets([]).map((x) => x.labelKey!),
      ...CONSENTS.flatMap((c) => [`contacts.consent.${c}`, `contacts.consent_help.${c}`]),
      ...[...new Set(Object.values(OPS_BY_TYPE).flat())].map((op) => `contacts.ops.${op}`),
      "contacts.ops.less",
      "contacts.ops.greater",
      ...DATE_RANGES.map((r) => `contacts.segments.range.${r}`),
      ...CONSENT_SOURCES.map((s) => `contacts.sources.${s}`),
      ...Object.keys(OPS_BY_TYPE).map((x) => `fields.types.${x}`),
      ...["created", "updated", "skipped", "rejected"].map((x) => `contacts.import.counts.${x}`),
      ...["running", "completed", "failed"].map((x) => `contacts.import.status.${x}`),
      ...["update", "skip"].map((x) => `contacts.import.on_existing_${x}`),
      ...["list", "import", "segments"].map((x) => `contacts.nav.${x}`),
      ...["pt_BR", "en", "es"].map((x) => `contacts.languages.${x}`),
    ];
    for (const lng of ["pt-BR", "en"]) {
      const missing = keys.filter((k) => !i18n.exists(k, { lng, fallbackLng: false }));
      expect(missing, lng).toEqual([]);
    }
    const t = i18n.getFixedT("pt-BR");
    expect(t("contacts.list.count", { count: 1, n: "1" })).toBe("1 contato");
    expect(t("contacts.list.count", { count: 1234, n: "1.234" })).toBe("1.234 contatos");
    expect(t("field.invalid_phone")).toMatch(/^Número de telefone inválido/);
  });
});
