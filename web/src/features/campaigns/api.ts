import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { api, API_BASE, withQuery, type List } from "../../lib/api";
import type { Company } from "../settings/api";

export type CampaignStatus = "draft" | "scheduled" | "running" | "paused" | "completed" | "canceled";
export type RecipientStatus = "pending" | "queued" | "sent" | "delivered" | "read" | "replied" | "failed" | "skipped";
export const RECIPIENT_STATUSES: RecipientStatus[] = ["pending", "queued", "sent", "delivered", "read", "replied", "failed", "skipped"];

export interface Stats {
  total: number;
  pending: number;
  queued: number;
  sent: number;
  delivered: number;
  read: number;
  replied: number;
  failed: number;
  skipped: number;
}

export interface Audience {
  all?: boolean;
  tags?: string[];
  segment_ids?: string[];
}

/** Where a template variable's value comes from: a contact field or a constant. */
export interface VarSource {
  field?: string;
  value?: string;
}

export interface TemplateSpec {
  name: string;
  language: string;
  variables?: Record<string, VarSource>;
  header_media?: { link: string; mime_type?: string };
}

export type MessageType = "template" | "text" | "image" | "video" | "document";

export interface MessageSpec {
  type: MessageType;
  text?: string;
  variations?: string[];
  media?: { link: string };
  template?: TemplateSpec;
}

export interface SendWindow {
  days: number[];
  start: string;
  end: string;
}

export interface Schedule {
  start_at?: string;
  window?: SendWindow;
}

/** A random pause between messages and a daily cap per number. */
export interface Pacing {
  delay_min_seconds?: number;
  delay_max_seconds?: number;
  daily_cap?: number;
}

/** How much of one Meta messaging limit a campaign would use. */
export interface Reach {
  connection_ids: string[];
  tier: string;
  /** Unique people per moving 24 hours; 0 when unlimited or not known. */
  limit: number;
  used: number;
  available: number;
  campaign: number;
  deferred: number;
}

/** The audience as a start would freeze it. */
export interface AudienceCount {
  total: number;
  opted_out: number;
  without_consent: number;
  eligible: number;
  requires_opt_in: boolean;
  messaging_limits: Reach[];
}

export type ConsentSource = "form" | "import" | "api" | "agent";

export interface StopRules {
  failure_ratio?: number;
  over_last?: number;
}

export interface Campaign {
  id: string;
  name: string;
  status: CampaignStatus;
  /** Why a campaign paused by itself: spam_rate_limit, failure_ratio. */
  status_reason: string;
  connection_ids: string[];
  audience: Audience;
  message: MessageSpec;
  rate_per_second: number | null;
  schedule: Schedule;
  stop_rules: StopRules;
  pacing?: Pacing;
  stats: Stats;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface CampaignInput {
  name: string;
  connection_ids: string[];
  audience: Audience;
  message: MessageSpec;
  rate_per_second?: number | null;
  schedule: Schedule;
  stop_rules: StopRules;
  pacing?: Pacing;
}

export interface Recipient {
  contact_id: string;
  phone: string;
  connection_id: string | null;
  status: RecipientStatus;
  message_id: string | null;
  conversation_id: string | null;
  error_code: string;
  error_reason: string;
  sent_at: string | null;
  updated_at: string;
}

/** GET /company also says whether marketing needs a recorded opt-in. */
export type CompanyWithConsent = Company & { campaigns_require_opt_in?: boolean };

export const RECIPIENTS_PAGE = 50;

export const campaignKeys = {
  all: ["campaigns"] as const,
  list: ["campaigns", "list"] as const,
  one: (id: string) => ["campaigns", "one", id] as const,
  recipients: (id: string, status: string, cursor: string) => ["campaigns", "recipients", id, status, cursor] as const,
  failures: (id: string, notSent: number) => ["campaigns", "failures", id, notSent] as const,
};

const enc = encodeURIComponent;

export const campaignsQuery = queryOptions({
  queryKey: campaignKeys.list,
  queryFn: () => api.get<List<Campaign>>("/campaigns"),
});

export const campaignQuery = (id: string) =>
  queryOptions({ queryKey: campaignKeys.one(id), queryFn: () => api.get<Campaign>(`/campaigns/${enc(id)}`) });

export const recipientsQuery = (id: string, status: string, cursor: string) =>
  queryOptions({
    queryKey: campaignKeys.recipients(id, status, cursor),
    queryFn: () => api.get<List<Recipient>>(withQuery(`/campaigns/${enc(id)}/recipients`, { status, cursor, limit: RECIPIENTS_PAGE })),
  });

/** Failed and skipped recipients (up to 1000 of each, in pages of 200), to group them by reason. */
export const failuresQuery = (id: string, notSent: number) =>
  queryOptions({
    queryKey: campaignKeys.failures(id, notSent),
    placeholderData: keepPreviousData,
    queryFn: async () => {
      const all: Recipient[] = [];
      for (const status of ["failed", "skipped"]) {
        let cursor = "";
        for (let page = 0; page < 5; page++) {
          const res = await api.get<List<Recipient>>(withQuery(`/campaigns/${enc(id)}/recipients`, { status, cursor, limit: 200 }));
          all.push(...res.data);
          cursor = res.next_cursor ?? "";
          if (!cursor) break;
        }
      }
      return all;
    },
  });

export const campaignLinks = {
  report: (id: string) => `${API_BASE}/campaigns/${enc(id)}/report.csv`,
};

export const campaignsApi = {
  create: (body: CampaignInput) => api.post<Campaign>("/campaigns", body),
  update: (id: string, body: CampaignInput) => api.patch<Campaign>(`/campaigns/${enc(id)}`, body),
  remove: (id: string) => api.del(`/campaigns/${enc(id)}`),
  action: (id: string, action: "start" | "pause" | "resume" | "cancel" | "duplicate") =>
    api.post<Campaign>(`/campaigns/${enc(id)}/${action}`),
  test: (id: string, phone: string) => api.post<{ id: string }>(`/campaigns/${enc(id)}/test`, { phone }),
  count: (filter: unknown) => api.post<{ count: number }>("/segments/count", { filter }),
  audience: (body: Partial<CampaignInput>) => api.post<AudienceCount>("/campaigns/audience", body),
  optIn: (audience: Audience, source: ConsentSource, wording: string) =>
    api.post<{ affected: number }>("/campaigns/audience/opt-in", { audience, source, wording }),
};
