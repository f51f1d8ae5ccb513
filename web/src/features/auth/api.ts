import { queryOptions } from "@tanstack/react-query";
import { api } from "../../lib/api";

export type Role = "owner" | "admin" | "agent";

export interface User {
  id: string;
  name: string;
  email: string;
  email_verified?: boolean;
  locale?: string;
}

export interface CompanyRef {
  id: string;
  name: string;
}

export interface Membership extends CompanyRef {
  role: Role;
}

export interface Me {
  user: User & { email_verified: boolean; locale: "pt-BR" | "en" | "" };
  company: CompanyRef;
  role: Role;
  companies: Membership[];
  /** The agent's availability in the current company (the shared inbox). */
  availability?: Availability;
}

export type Availability = "online" | "away" | "offline";

export interface AppConfig {
  smtp_enabled: boolean;
  signup_enabled: boolean;
  version: string;
}

export interface InvitationInfo {
  company: { name: string };
  email: string;
  role: Role;
  inviter: { name: string };
  user_exists: boolean;
}

export const authKeys = {
  config: ["config"] as const,
  me: ["me"] as const,
  invitation: (token: string) => ["invitation", token] as const,
};

export const configQuery = queryOptions({
  queryKey: authKeys.config,
  queryFn: () => api.get<AppConfig>("/config"),
  staleTime: 5 * 60_000,
});

export const meQuery = queryOptions({
  queryKey: authKeys.me,
  queryFn: () => api.get<Me>("/me"),
  staleTime: 30_000,
});

export const invitationQuery = (token: string) =>
  queryOptions({
    queryKey: authKeys.invitation(token),
    queryFn: () => api.get<InvitationInfo>(`/invitations/${encodeURIComponent(token)}`),
    retry: false,
    meta: { public: true },
  });

export const authApi = {
  signup: (body: { company_name: string; name: string; email: string; password: string }) =>
    api.post<{ user: User; company: CompanyRef }>("/auth/signup", body),
  login: (body: { email: string; password: string }) =>
    api.post<{ user: User; companies: Membership[] }>("/auth/login", body),
  logout: () => api.post<void>("/auth/logout"),
  switchCompany: (company_id: string) =>
    api.post<{ company: CompanyRef; role: Role }>("/auth/switch", { company_id }),
  createCompany: (name: string) => api.post<{ company: CompanyRef; role: Role }>("/companies", { name }),
  forgot: (email: string) => api.post<object>("/auth/password/forgot", { email }),
  reset: (token: string, password: string) => api.post<void>("/auth/password/reset", { token, password }),
  verifyEmail: (token: string) => api.post<void>("/auth/email/verify", { token }),
  resendVerification: () => api.post<object>("/auth/email/resend"),
  acceptInvitation: (token: string, body: { name: string; password: string }) =>
    api.post<{ user: User; company: CompanyRef; role: Role }>(`/invitations/${encodeURIComponent(token)}/accept`, body),
};

export function isAdmin(role: Role | undefined): boolean {
  return role === "owner" || role === "admin";
}
