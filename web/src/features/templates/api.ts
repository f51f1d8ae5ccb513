import { queryOptions } from "@tanstack/react-query";
import { api, type List } from "../../lib/api";
import type { Component } from "./components";

export type TemplateStatus = "APPROVED" | "PENDING" | "REJECTED" | string;
export type Category = "MARKETING" | "UTILITY" | "AUTHENTICATION";

export interface Template {
  id: string;
  connection_id: string;
  provider_id: string;
  name: string;
  language: string;
  category: Category | string;
  status: TemplateStatus;
  rejected_reason: string;
  components: Component[];
  created_at: string;
  updated_at: string;
}

export interface TemplateInput {
  name?: string;
  language?: string;
  category: string;
  components: Component[];
}

export const templateKeys = {
  list: (connectionId: string) => ["templates", connectionId] as const,
};

export const templatesQuery = (connectionId: string) =>
  queryOptions({
    queryKey: templateKeys.list(connectionId),
    queryFn: () => api.get<List<Template>>(`/connections/${encodeURIComponent(connectionId)}/templates`),
    enabled: Boolean(connectionId),
  });

const base = (c: string) => `/connections/${encodeURIComponent(c)}/templates`;

export const templatesApi = {
  create: (c: string, body: TemplateInput) => api.post<Template>(base(c), body),
  update: (c: string, id: string, body: TemplateInput) => api.patch<Template>(`${base(c)}/${encodeURIComponent(id)}`, body),
  remove: (c: string, id: string) => api.del(`${base(c)}/${encodeURIComponent(id)}`),
  sync: (c: string) => api.post<List<Template>>(`${base(c)}/sync`),
  uploadSample: (c: string, file: File) => {
    const form = new FormData();
    form.append("file", file);
    return api.upload<{ handle: string }>(`${base(c)}/samples`, form);
  },
};
