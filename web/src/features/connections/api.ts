import { queryOptions } from "@tanstack/react-query";
import { api, withQuery, type List } from "../../lib/api";

export type ConnectionType = "whatsapp_cloud" | "simulator";
export type ConnectionStatus = "active" | "disabled" | "needs_attention";

export interface Connection {
  id: string;
  type: ConnectionType;
  name: string;
  status: ConnectionStatus;
  status_reason: string;
  /** The team new conversations on this connection go to. */
  team_id?: string | null;
  /** Public settings; each secret appears only as `<name>_set`. */
  config: {
    phone_number_id?: string;
    waba_id?: string;
    app_id?: string;
    graph_url?: string;
    delivery_delay_ms?: number;
    messaging_limit?: number;
    access_token_set?: boolean;
    app_secret_set?: boolean;
    verify_token_set?: boolean;
  };
  webhook_url?: string;
  info: {
    display_phone_number?: string;
    verified_name?: string;
    quality_rating?: string;
    throughput?: string;
    messaging_limit?: string;
    tested_at?: string;
    [k: string]: unknown;
  } | null;
  /** Only in the answer to the create call that generated it. */
  verify_token?: string;
  created_at: string;
  updated_at: string;
}

export interface ConnectionInput {
  type?: ConnectionType;
  name?: string;
  status?: "active" | "disabled";
  config?: Record<string, unknown>;
  team_id?: string | null;
}

export interface TestResult {
  ok: boolean;
  info: Connection["info"];
  error?: { code?: number; message: string; meaning?: string };
}

export interface WebhookEvent {
  id: string;
  connection_id: string;
  source: string;
  status: "received" | "processed" | "failed";
  error: string;
  attempts: number;
  size: number;
  payload: string;
  received_at: string;
  processed_at: string | null;
}

export const connectionKeys = {
  all: ["connections"] as const,
  one: (id: string) => ["connections", id] as const,
  events: (status: string) => ["webhook-events", status] as const,
};

export const connectionsQuery = queryOptions({
  queryKey: connectionKeys.all,
  queryFn: () => api.get<List<Connection>>("/connections"),
});

export const connectionQuery = (id: string) =>
  queryOptions({
    queryKey: connectionKeys.one(id),
    queryFn: () => api.get<Connection>(`/connections/${encodeURIComponent(id)}`),
  });

export const webhookEventsQuery = (status: "failed" | "") =>
  queryOptions({
    queryKey: connectionKeys.events(status),
    queryFn: () => api.get<List<WebhookEvent>>(withQuery("/webhook-events", { status, limit: 100 })),
  });

const path = (id: string) => `/connections/${encodeURIComponent(id)}`;

export const connectionsApi = {
  create: (body: ConnectionInput) => api.post<Connection>("/connections", body),
  update: (id: string, body: ConnectionInput) => api.patch<Connection>(path(id), body),
  remove: (id: string) => api.del(path(id)),
  test: (id: string) => api.post<TestResult>(`${path(id)}/test`),
  simulate: (id: string, body: { from: string; name?: string; text?: string; media_url?: string; button_payload?: string }) =>
    api.post<{ provider_message_id: string; from: string }>(`${path(id)}/simulate`, body),
  reprocess: (id: string) => api.post<WebhookEvent>(`/webhook-events/${encodeURIComponent(id)}/reprocess`),
};
