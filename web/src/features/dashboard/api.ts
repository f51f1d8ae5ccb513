import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { api, withQuery } from "../../lib/api";
import type { Campaign } from "../campaigns/api";

/** Messages of one day per channel type (connections.type). */
export type PerChannel = Record<string, number>;

export interface DashboardDay {
  /** YYYY-MM-DD in the company's time zone. */
  date: string;
  sent: PerChannel;
  received: PerChannel;
  failed: number;
  opt_outs: number;
}

export interface Stat {
  count: number;
  average_seconds: number;
  median_seconds: number;
}

export interface TimeRow extends Stat {
  id: string;
  name: string;
}

export interface Times {
  overall: Stat;
  agents: TimeRow[];
  teams: TimeRow[];
}

export interface Failure {
  code: string;
  count: number;
  meaning: string;
}

/** GET /dashboard: the numbers are defined in internal/dashboard's package doc. */
export interface Dashboard {
  from: string;
  to: string;
  time_zone: string;
  connection_id: string | null;
  channels: string[];
  days: DashboardDay[];
  totals: { sent: number; received: number; delivered: number; read: number; failed: number; waiting: number; opt_outs: number };
  delivery_rate: number | null;
  read_rate: number | null;
  failures: Failure[];
  conversations: { active: number; open: number; pending: number; snoozed: number };
  first_response: Times;
  resolution: Times;
  campaigns: Campaign[];
}

export interface DashboardParams {
  from: string;
  to: string;
  connection: string;
}

export const dashboardKeys = {
  all: ["dashboard"] as const,
  one: (p: DashboardParams) => ["dashboard", p.from, p.to, p.connection] as const,
};

export const dashboardQuery = (p: DashboardParams) =>
  queryOptions({
    queryKey: dashboardKeys.one(p),
    queryFn: () => api.get<Dashboard>(withQuery("/dashboard", { from: p.from, to: p.to, connection_id: p.connection })),
    // Changing the period keeps the last figures on screen until the new ones arrive.
    placeholderData: keepPreviousData,
  });
