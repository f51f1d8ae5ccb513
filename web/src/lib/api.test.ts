import { afterEach, describe, expect, it, vi } from "vitest";
import i18n from "../i18n";
import { ApiError, api, errorFromResponse, readCookie, withQuery } from "./api";
import { errorMessage, fieldErrors } from "./errors";
import { formatDateTime } from "./format";

function jsonResponse(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("api wrapper", () => {
  it("sends JSON, the CSRF header and same-origin credentials on writes", async () => {
    vi.stubGlobal("document", { cookie: "other=1; masteria_csrf=abc%3D123" });
    const fetchMock = vi.fn(async () => jsonResponse(200, { ok: true }));
    vi.stubGlobal("fetch", fetchMock);
    const out = await api.post<{ ok: boolean }>("/auth/logout");
    expect(out).toEqual({ ok: true });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/auth/logout");
    expect(init.method).toBe("POST");
    expect(init.credentials).toBe("same-origin");
    expect(init.body).toBe("{}");
    const headers = init.headers as Record<string, string>;
    expect(headers["X-CSRF-Token"]).toBe("abc=123");
    expect(headers["Content-Type"]).toBe("application/json");
  });

  it("sends no body nor CSRF header on reads", async () => {
    const fetchMock = vi.fn(async () => jsonResponse(200, { data: [] }));
    vi.stubGlobal("fetch", fetchMock);
    await api.get("/members");
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.body).toBeUndefined();
    expect((init.headers as Record<string, string>)["X-CSRF-Token"]).toBeUndefined();
  });

  it("accepts 204 with no body", async () => {
    vi.stubGlobal("document", { cookie: "" });
    vi.stubGlobal("fetch", vi.fn(async () => new Response(null, { status: 204 })));
    await expect(api.del("/api-keys/1")).resolves.toEqual({});
  });

  it("turns an error body into an ApiError with code and fields", async () => {
    vi.stubGlobal("document", { cookie: "" });
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        jsonResponse(422, { error: { code: "validation", message: "bad", fields: { email: "invalid_email" } } }),
      ),
    );
    const err = await api.post<never>("/auth/signup", {}).catch((e: unknown) => e as ApiError);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.code).toBe("validation");
    expect(err.fields).toEqual({ email: "invalid_email" });
  });

  it("reports a network failure as code network", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("Failed to fetch");
      }),
    );
    const err = await api.get<never>("/me").catch((e: unknown) => e as ApiError);
    expect(err.code).toBe("network");
    expect(err.status).toBe(0);
  });

  it("guesses a code from the status when the body has none", () => {
    expect(errorFromResponse(429, null).code).toBe("rate_limited");
    expect(errorFromResponse(502, "oops").code).toBe("internal");
    expect(errorFromResponse(401, {}).code).toBe("unauthorized");
  });

  it("reads cookies and builds query strings", () => {
    expect(readCookie("a=1; masteria_csrf=x", "masteria_csrf")).toBe("x");
    expect(readCookie("a=1", "masteria_csrf")).toBe("");
    expect(withQuery("/audit", { limit: 50, cursor: "", action: "auth.login" })).toBe("/audit?limit=50&action=auth.login");
  });
});

describe("error messages", () => {
  const t = i18n.getFixedT("pt-BR");
  const tEn = i18n.getFixedT("en");

  it("translates known codes", () => {
    expect(errorMessage(t, new ApiError(401, "invalid_credentials", "x"))).toBe("E-mail ou senha incorretos.");
    expect(errorMessage(tEn, new ApiError(409, "last_owner", "x"))).toMatch(/at least one owner/);
  });

  it("says to wait on 429 whatever the code", () => {
    expect(errorMessage(tEn, new ApiError(429, "slow_down_please", "x"))).toMatch(/Wait a minute/);
  });

  it("falls back to a generic sentence, never the raw code", () => {
    const msg = errorMessage(tEn, new ApiError(400, "weird_thing", "x"));
    expect(msg).not.toContain("weird_thing");
    expect(msg).toBe(tEn("error.generic"));
    expect(errorMessage(tEn, new Error("boom"))).toBe(tEn("error.generic"));
  });

  it("translates field codes, with a fallback for unknown ones", () => {
    const err = new ApiError(422, "validation", "x", { email: "email_taken", name: "mystery" });
    expect(fieldErrors(t, err)).toEqual({
      email: "Já existe uma conta com este e-mail.",
      name: "Confira este campo.",
    });
  });
});

describe("formatDateTime", () => {
  it("writes pt-BR dates as day/month/year hour:minute", () => {
    expect(formatDateTime("2026-11-25T17:30:00Z", "pt-BR", "America/Sao_Paulo")).toBe("25/11/2026 14:30");
  });
  it("is empty for missing dates", () => {
    expect(formatDateTime(null, "en")).toBe("");
  });
});

describe("api.upload", () => {
  it("posts multipart form data with the CSRF header and no JSON content type", async () => {
    vi.stubGlobal("document", { cookie: "masteria_csrf=tok" });
    const fetchMock = vi.fn(async () => jsonResponse(202, { id: "imp1" }));
    vi.stubGlobal("fetch", fetchMock);
    const form = new FormData();
    form.append("file", new Blob(["a;b\n"], { type: "text/csv" }), "c.csv");
    const out = await api.upload<{ id: string }>("/contacts/import", form);
    expect(out).toEqual({ id: "imp1" });
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.body).toBe(form);
    const headers = init.headers as Record<string, string>;
    expect(headers["X-CSRF-Token"]).toBe("tok");
    expect(headers["Content-Type"]).toBeUndefined();
  });
});

describe("formatPhone", () => {
  it("writes Brazilian numbers the way people read them", async () => {
    const { formatPhone } = await import("./format");
    expect(formatPhone("+5511987654321")).toBe("+55 11 98765-4321");
    expect(formatPhone("+551133334444")).toBe("+55 11 3333-4444");
    expect(formatPhone("+351912345678")).toBe("+351912345678");
    expect(formatPhone("")).toBe("");
  });
});
