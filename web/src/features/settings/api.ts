import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { api, withQuery, type List } from "../../lib/api";
import type { Me, Role } from "../auth/api";

export interface BusinessHours {
  day: number;
  open: boolean;
  start: string;
  end: string;
}

export interface Company {
  id: string;
  name: string;
  time_zone: string;
  default_country: string;
  business_hours: BusinessHours[];
  /** Words that, sent by a contact, stop (opt-out) or restart (opt-in) messages to them. */
  optout_keywords: string[];
  optin_keywords: string[];
  /** Why a conversation was closed: the choices offered when resolving it. */
  closing_reasons?: string[];
  closing_reason_required?: boolean;
  created_at: string;
}

export interface Member {
  id: string;
  name: string;
  email: string;
  role: Role;
  joined_at: string;
  availability?: "online" | "away" | "offline";
  /** How many open conversations the agent takes at most; null: no limit. */
  capacity?: number | null;
  open_conversations?: number;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  invited_by?: { id: string; name: string };
  created_at: string;
  expires_at: string;
}

export interface CreatedInvitation extends Invitation {
  emailed: boolean;
  url?: string;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  created_by?: { id: string; name: string };
}

export interface AuditEntry {
  id: string;
  action: string;
  actor: { type: "user" | "api_key" | "system"; id: string; name: string };
  ip: string;
  target_type: string;
  target_id: string;
  details: Record<string, unknown> | null;
  created_at: string;
}

export const settingsKeys = {
  company: ["company"] as const,
  members: ["members"] as const,
  invitations: ["invitations"] as const,
  apiKeys: ["api-keys"] as const,
  audit: (action: string) => ["audit", action] as const,
};

export const companyQuery = queryOptions({
  queryKey: settingsKeys.company,
  queryFn: () => api.get<Company>("/company"),
});

export const membersQuery = queryOptions({
  queryKey: settingsKeys.members,
  queryFn: () => api.get<List<Member>>("/members"),
});

export const invitationsQuery = queryOptions({
  queryKey: settingsKeys.invitations,
  queryFn: () => api.get<List<Invitation>>("/invitations"),
});

export const apiKeysQuery = queryOptions({
  queryKey: settingsKeys.apiKeys,
  queryFn: () => api.get<List<ApiKey>>("/api-keys"),
});

export const AUDIT_PAGE = 50;

export const auditQuery = (action: string) =>
  infiniteQueryOptions({
    queryKey: settingsKeys.audit(action),
    queryFn: ({ pageParam }) =>
      api.get<List<AuditEntry>>(withQuery("/audit", { limit: AUDIT_PAGE, cursor: pageParam, action })),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor || undefined,
  });

export const settingsApi = {
  updateMe: (body: { name?: string; locale?: string }) => api.patch<Me>("/me", body),
  changePassword: (body: { current_password: string; new_password: string }) => api.post<void>("/me/password", body),
  updateCompany: (body: Partial<Omit<Company, "id" | "created_at">>) => api.patch<Company>("/company", body),
  updateMember: (id: string, role: Role) => api.patch<Member>(`/members/${encodeURIComponent(id)}`, { role }),
  updateCapacity: (id: string, capacity: number | null) => api.patch<Member>(`/members/${encodeURIComponent(id)}`, { capacity }),
  removeMember: (id: string) => api.del(`/members/${encodeURIComponent(id)}`),
  memberResetLink: (id: string) => api.post<{ url: string }>(`/members/${encodeURIComponent(id)}/reset-link`),
  invite: (body: { email: string; role: Role }) => api.post<CreatedInvitation>("/invitations", body),
  revokeInvitation: (id: string) => api.del(`/invitations/${encodeURIComponent(id)}`),
  createApiKey: (name: string) => api.post<{ id: string; name: string; key: string }>("/api-keys", { name }),
  revokeApiKey: (id: string) => api.del(`/api-keys/${encodeURIComponent(id)}`),
};

/** Actions the audit log knows how to put into words; others show their raw name. */
export const AUDIT_ACTIONS = [
  "auth.login",
  "auth.login_failed",
  "auth.logout",
  "auth.signup",
  "auth.password_reset",
  "auth.password_changed",
  "auth.email_verified",
  "member.role_changed",
  "member.removed",
  "member.reset_link_created",
  "invitation.created",
  "invitation.accepted",
  "invitation.revoked",
  "api_key.created",
  "api_key.revoked",
  "company.created",
  "company.updated",
] as const;
