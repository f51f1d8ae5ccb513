import { describe, expect, it, vi } from "vitest";
import { addDays, daysBetween, filtersFrom, formatSeconds, isDate, joinTimes, paramsFor, percent, quietPeriod, throttle, todayIn, trafficRows } from "./logic";
import type { Dashboard, Times } from "./api";

describe("days in the company's time zone", () => {
  it("knows today where the company is, not where the browser is", () => {
    // 02:30 UTC on the 25th is still the 24th in São Paulo, already the 25th in Tokyo.
    const now = new Date("2026-11-25T02:30:00Z");
    expect(todayIn("America/Sao_Paulo", now)).toBe("2026-11-24");
    expect(todayIn("Asia/Tokyo", now)).toBe("2026-11-25");
    expect(todayIn("Not/AZone", now)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
  it("moves and counts calendar days across months, years and leap days", () => {
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(daysBetween("2026-11-24", "2026-11-24")).toBe(1);
    expect(daysBetween("2028-01-01", "2028-12-31")).toBe(366);
  });
  it("accepts only real dates", () => {
    expect(isDate("2026-11-24")).toBe(true);
    expect(isDate("2026-02-30")).toBe(false);
    expect(isDate("24/11/2026")).toBe(false);
    expect(isDate(null)).toBe(false);
  });
});

describe("the period picker and the URL", () => {
  const today = "2026-11-26";
  const from = (q: string) => filtersFrom(new URLSearchParams(q), today);
  it.each([
    ["", "7", "2026-11-20", "2026-11-26"],
    ["period=today", "today", "2026-11-26", "2026-11-26"],
    ["period=30", "30", "2026-10-28", "2026-11-26"],
    ["period=90", "90", "2026-08-29", "2026-11-26"],
    ["period=nonsense", "7", "2026-11-20", "2026-11-26"],
    ["period=custom&from=2026-11-01&to=2026-11-15", "custom", "2026-11-01", "2026-11-15"],
    ["period=custom&from=bad&to=2026-11-15", "custom", "2026-11-20", "2026-11-15"],
  ])("%s → %s %s..%s", (q, preset, f, t) => {
    const got = from(q);
    expect([got.preset, got.from, got.to]).toEqual([preset, f, t]);
  });
  it("flags a custom period the server would refuse", () => {
    expect(from("period=custom&from=2026-11-15&to=2026-11-01").problem).toBe("order");
    expect(from("period=custom&from=2025-01-01&to=2026-01-02").problem).toBe("too_long");
    expect(from("period=custom&from=2025-01-02&to=2026-01-02").problem).toBe("");
  });
  it("keeps the connection and writes back what it read", () => {
    const f = from("period=custom&from=2026-11-01&to=2026-11-15&connection=abc");
    expect(f.connection).toBe("abc");
    expect(paramsFor(f).toString()).toBe("period=custom&from=2026-11-01&to=2026-11-15&connection=abc");
    expect(paramsFor({ preset: "7", from: "x", to: "y", connection: "" }).toString()).toBe("");
    expect(paramsFor({ preset: "30", from: "x", to: "y", connection: "" }).toString()).toBe("period=30");
  });
});

describe("figures in words", () => {
  it("writes rates and durations in the user's language", () => {
    expect(percent(2 / 3, "pt-BR")).toBe("66,7%");
    expect(percent(1, "en")).toBe("100%");
    expect(percent(null, "pt-BR")).toBe("—");
    expect(formatSeconds(45, "en")).toBe("45s");
    expect(formatSeconds(600, "en")).toBe("10m");
    expect(formatSeconds(4800, "en")).toBe("1h 20m");
    expect(formatSeconds(7200, "en")).toBe("2h");
    expect(formatSeconds(86400 + 3 * 3600, "en")).toBe("1d 3h");
  });
});

describe("chart rows and tables", () => {
  it("gives every day every channel, zeros included", () => {
    const rows = trafficRows(
      [
        { date: "2026-11-24", sent: { simulator: 2 }, received: {}, failed: 0, opt_outs: 0 },
        { date: "2026-11-25", sent: {}, received: { whatsapp_cloud: 1 }, failed: 0, opt_outs: 0 },
      ],
      ["simulator", "whatsapp_cloud"],
    );
    expect(rows[0]).toEqual({ date: "2026-11-24", "sent:simulator": 2, "received:simulator": 0, "sent:whatsapp_cloud": 0, "received:whatsapp_cloud": 0 });
    expect(rows[1]["received:whatsapp_cloud"]).toBe(1);
  });
  it("joins first response and resolution per person, busiest first", () => {
    const s = (count: number, sec: number) => ({ count, average_seconds: sec, median_seconds: sec });
    const first: Times = { overall: s(3, 1), agents: [{ id: "a", name: "Ana", ...s(1, 600) }, { id: "b", name: "Bruno", ...s(2, 60) }], teams: [] };
    const res: Times = { overall: s(2, 1), agents: [{ id: "a", name: "Ana", ...s(2, 7200) }, { id: "c", name: "Caio", ...s(1, 10) }], teams: [] };
    const rows = joinTimes(first, res, "agents");
    expect(rows.map((r) => r.id)).toEqual(["a", "b", "c"]);
    expect(rows[0].firstResponse?.median_seconds).toBe(600);
    expect(rows[0].resolution?.count).toBe(2);
    expect(rows[1].resolution).toBeNull();
    expect(rows[2].firstResponse).toBeNull();
  });
  it("knows a quiet period", () => {
    const totals = { sent: 0, received: 0, delivered: 0, read: 0, failed: 0, waiting: 0, opt_outs: 0 };
    expect(quietPeriod({ totals } as Dashboard)).toBe(true);
    expect(quietPeriod({ totals: { ...totals, opt_outs: 1 } } as Dashboard)).toBe(false);
  });
});

describe("throttle", () => {
  it("runs at once, then at most once per interval, with the last call of a burst kept", () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const go = throttle(fn, 5000);
    go();
    expect(fn).toHaveBeenCalledTimes(1);
    go();
    go();
    go();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(4999);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(10_000);
    expect(fn).toHaveBeenCalledTimes(2);
    go();
    expect(fn).toHaveBeenCalledTimes(3);
    vi.useRealTimers();
  });
});
