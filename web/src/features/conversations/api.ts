// The shared inbox's API (docs/inbox-api.md): conversations and their
// messages, teams, labels, canned responses and the agent's availability.
// Every key lives under "conversations", "conversation", "messages",
// "teams", "labels" or "canned" so the live feed can refresh them by prefix.
import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { api, uploadWithProgress, withQuery, type List } from "../../lib/api";
import type { Availability } from "../auth/api";

export interface Ref {
  id: string;
  name: string;
}

export interface Label {
  id: string;
  name: string;
  color: string;
  created_at?: string;
}

export type ConversationStatus = "open" | "pending" | "snoozed" | "resolved";

export interface Conversation {
  id: string;
  protocol?: string;
  connection_id: string | null;
  connection?: { id: string; name: string; type: string } | null;
  contact: { id: string; phone: string; name: string };
  status: ConversationStatus;
  snoozed_until?: string | null;
  assignee?: Ref | null;
  team?: Ref | null;
  labels?: Label[];
  unread_count: number;
  last_message?: { type: string; text: string; direction: "inbound" | "outbound"; at: string } | null;
  last_message_at: string | null;
  last_inbound_at: string | null;
  /** WhatsApp Cloud only: when the 24-hour customer service window closes; null for other connections. */
  window_closes_at?: string | null;
  closing_reason?: string;
  resolved_at?: string | null;
  created_at: string;
  updated_at: string;
}

export type MessageStatus = "received" | "queued" | "sending" | "sent" | "delivered" | "read" | "failed" | "internal" | string;

export interface Message {
  id: string;
  conversation_id: string;
  contact_id: string;
  connection_id: string | null;
  direction: "inbound" | "outbound";
  type: string;
  text: string;
  content: Record<string, unknown> | null;
  status: MessageStatus;
  provider_message_id?: string | null;
  /** Outbound: the provider id of the message this one answers. */
  reply_to?: string;
  error_code?: string;
  error_reason?: string;
  media?: { status: "pending" | "stored" | "failed"; url?: string; error?: string; mime_type?: string; filename?: string };
  source?: string;
  author?: Ref | null;
  send_at?: string | null;
  sent_at: string | null;
  delivered_at: string | null;
  read_at: string | null;
  failed_at: string | null;
  created_at: string;
}

export interface Counts {
  mine: { open: number; unread: number };
  unassigned: { open: number; unread: number };
  all: { open: number; unread: number };
}

export type Tab = "mine" | "unassigned" | "all";
export const TABS: Tab[] = ["mine", "unassigned", "all"];
export const STATUSES: ConversationStatus[] = ["open", "pending", "snoozed", "resolved"];

/** What the inbox list shows; kept in the URL. */
export interface InboxFilters {
  tab: Tab;
  /** "" means every status but resolved is not expressible in one call, so the list defaults to "open". */
  status: ConversationStatus | "all";
  team_id: string;
  label: string;
  connection_id: string;
  q: string;
}

export function readFilters(p: URLSearchParams): InboxFilters {
  const tab = p.get("tab");
  const status = p.get("status");
  return {
    tab: tab === "mine" || tab === "unassigned" || tab === "all" ? tab : "mine",
    status: status === "all" || (STATUSES as string[]).includes(status ?? "") ? (status as InboxFilters["status"]) : "open",
    team_id: p.get("team") ?? "",
    label: p.get("label") ?? "",
    connection_id: p.get("connection") ?? "",
    q: p.get("q") ?? "",
  };
}

/** The list call for a set of filters: the queue (unassigned) is served oldest first. */
export function listParams(f: InboxFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.tab === "mine") out.assignee = "me";
  if (f.tab === "unassigned") {
    out.assignee = "unassigned";
    out.sort = "oldest";
  }
  if (f.status !== "all") out.status = f.status;
  if (f.team_id) out.team_id = f.team_id;
  if (f.label) out.label = f.label;
  if (f.connection_id) out.connection_id = f.connection_id;
  if (f.q.trim()) out.q = f.q.trim();
  return out;
}

export const conversationKeys = {
  all: ["conversations"] as const,
  list: (connectionId: string) => ["conversations", connectionId] as const,
  inbox: (params: Record<string, string>) => ["conversations", "inbox", params] as const,
  counts: ["conversations", "counts"] as const,
  byContact: (contactId: string) => ["conversations", "contact", contactId] as const,
  one: (id: string) => ["conversation", id] as const,
  messages: (id: string) => ["messages", id] as const,
};

export const conversationsQuery = (connectionId = "") =>
  queryOptions({
    queryKey: conversationKeys.list(connectionId),
    queryFn: () => api.get<List<Conversation>>(withQuery("/conversations", { connection_id: connectionId, limit: 100 })),
  });

export const inboxQuery = (f: InboxFilters) => {
  const params = listParams(f);
  return infiniteQueryOptions({
    queryKey: conversationKeys.inbox(params),
    queryFn: ({ pageParam }) => api.get<List<Conversation>>(withQuery("/conversations", { ...params, limit: 50, cursor: pageParam })),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor || undefined,
  });
};

export const countsQuery = queryOptions({
  queryKey: conversationKeys.counts,
  queryFn: () => api.get<Counts>("/conversations/counts"),
});

export const contactConversationsQuery = (contactId: string) =>
  queryOptions({
    queryKey: conversationKeys.byContact(contactId),
    queryFn: () => api.get<List<Conversation>>(withQuery("/conversations", { contact_id: contactId, limit: 20 })),
    enabled: Boolean(contactId),
  });

export const conversationQuery = (id: string) =>
  queryOptions({
    queryKey: conversationKeys.one(id),
    queryFn: () => api.get<Conversation>(`/conversations/${encodeURIComponent(id)}`),
  });

/** The newest 100 messages, returned oldest first for a timeline. */
export const messagesQuery = (id: string) =>
  queryOptions({
    queryKey: conversationKeys.messages(id),
    queryFn: async () => {
      const res = await api.get<List<Message>>(withQuery(`/conversations/${encodeURIComponent(id)}/messages`, { limit: 100 }));
      return [...res.data].reverse();
    },
  });

export interface ConversationPatch {
  status?: ConversationStatus;
  snoozed_until?: string | null;
  closing_reason?: string;
  assignee_id?: string | null;
  team_id?: string | null;
  label_ids?: string[];
}

/** A template to send: the variables' values (named ones carry their name) and the text as the contact sees it, for the timeline. */
export interface TemplateSend {
  name: string;
  language: string;
  /** Text variables, or a media file by link (an uploaded file goes through `attach` with `template`). */
  header?: { text?: { name?: string; value: string }[]; type?: "image" | "video" | "document"; media?: { link: string; filename?: string } };
  body?: { name?: string; value: string }[];
  buttons?: { index: number; sub_type: "url" | "quick_reply" | "copy_code"; value: string }[];
  rendered?: Record<string, string>;
}

/** The body of a send; exactly one kind of content. */
export type Send =
  | { type: "text"; text: string; reply_to?: string; send_at?: string }
  | { type: "note"; text: string }
  | { type: "template"; template: TemplateSend; send_at?: string }
  | { type: "reaction"; reaction: { message_id: string; emoji: string } };

const conv = (id: string) => `/conversations/${encodeURIComponent(id)}`;

export const conversationsApi = {
  update: (id: string, body: ConversationPatch) => api.patch<Conversation>(conv(id), body),
  read: (id: string) => api.post<void>(`${conv(id)}/read`),
  take: () => api.post<Conversation>("/conversations/take"),
  send: (id: string, body: Send) => api.post<Message>(`${conv(id)}/messages`, body),
  attach: (
    id: string,
    file: File,
    /** template: the JSON of a template send whose media header is this file. */
    extra: { caption?: string; reply_to?: string; send_at?: string; template?: string },
    onProgress: (f: number) => void,
    signal?: AbortSignal,
  ) => {
    const form = new FormData();
    form.append("file", file);
    for (const [k, v] of Object.entries(extra)) if (v) form.append(k, v);
    return uploadWithProgress<Message>(`${conv(id)}/attachments`, form, onProgress, signal);
  },
  editMessage: (id: string, body: { text?: string; send_at?: string }) => api.patch<Message>(`/messages/${encodeURIComponent(id)}`, body),
  cancelMessage: (id: string) => api.del(`/messages/${encodeURIComponent(id)}`),
  setAvailability: (availability: Availability) => api.put<void>("/me/availability", { availability }),
};

// Teams, labels and canned responses.

export interface Team {
  id: string;
  name: string;
  auto_assign: boolean;
  members: { id: string; name: string; availability?: Availability }[];
  created_at: string;
  updated_at: string;
}

export interface Canned {
  id: string;
  shortcut: string;
  text: string;
  /** With a conversation: the text with its variables filled in. */
  rendered?: string;
  created_at: string;
  updated_at: string;
}

export const inboxKeys = {
  teams: ["teams"] as const,
  labels: ["labels"] as const,
  canned: (q: string, conversationId: string) => ["canned", q, conversationId] as const,
  cannedAll: ["canned"] as const,
};

export const teamsQuery = queryOptions({ queryKey: inboxKeys.teams, queryFn: () => api.get<List<Team>>("/teams") });
export const labelsQuery = queryOptions({ queryKey: inboxKeys.labels, queryFn: () => api.get<List<Label>>("/labels") });
export const cannedQuery = (q: string, conversationId = "") =>
  queryOptions({
    queryKey: inboxKeys.canned(q, conversationId),
    queryFn: () => api.get<List<Canned>>(withQuery("/canned-responses", { q, conversation_id: conversationId, limit: 100 })),
  });

export const inboxApi = {
  createTeam: (b: { name: string; auto_assign: boolean; member_ids: string[] }) => api.post<Team>("/teams", b),
  updateTeam: (id: string, b: { name?: string; auto_assign?: boolean; member_ids?: string[] }) =>
    api.patch<Team>(`/teams/${encodeURIComponent(id)}`, b),
  removeTeam: (id: string) => api.del(`/teams/${encodeURIComponent(id)}`),
  createLabel: (b: { name: string; color: string }) => api.post<Label>("/labels", b),
  updateLabel: (id: string, b: { name: string; color: string }) => api.patch<Label>(`/labels/${encodeURIComponent(id)}`, b),
  removeLabel: (id: string) => api.del(`/labels/${encodeURIComponent(id)}`),
  createCanned: (b: { shortcut: string; text: string }) => api.post<Canned>("/canned-responses", b),
  updateCanned: (id: string, b: { shortcut: string; text: string }) => api.patch<Canned>(`/canned-responses/${encodeURIComponent(id)}`, b),
  removeCanned: (id: string) => api.del(`/canned-responses/${encodeURIComponent(id)}`),
};
