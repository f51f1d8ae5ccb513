import { queryOptions } from "@tanstack/react-query";
import { api, withQuery, type List } from "../../lib/api";

export interface Conversation {
  id: string;
  connection_id: string | null;
  contact: { id: string; phone: string; name: string };
  status: "open" | "pending" | "snoozed" | "resolved";
  unread_count: number;
  last_message_at: string | null;
  last_inbound_at: string | null;
  created_at: string;
  updated_at: string;
}

export type MessageStatus = "received" | "queued" | "sent" | "delivered" | "read" | "failed" | string;

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
  error_code?: string;
  error_reason?: string;
  media?: { status: "pending" | "stored" | "failed"; url?: string; error?: string; mime_type?: string; filename?: string };
  sent_at: string | null;
  delivered_at: string | null;
  read_at: string | null;
  failed_at: string | null;
  created_at: string;
}

export const conversationKeys = {
  list: (connectionId: string) => ["conversations", connectionId] as const,
  one: (id: string) => ["conversation", id] as const,
  messages: (id: string) => ["messages", id] as const,
};

export const conversationsQuery = (connectionId = "") =>
  queryOptions({
    queryKey: conversationKeys.list(connectionId),
    queryFn: () => api.get<List<Conversation>>(withQuery("/conversations", { connection_id: connectionId, limit: 100 })),
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
