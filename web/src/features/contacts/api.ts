import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { api, API_BASE, withQuery, type List } from "../../lib/api";
import { listApiParams, listQueryString, type Consent, type FieldType, type Filter, type ListFilter } from "./filters";

export interface Tag {
  id: string;
  name: string;
  color: string;
  contacts?: number;
}

export interface Contact {
  id: string;
  phone: string;
  name: string;
  email: string;
  language: string;
  fields: Record<string, unknown>;
  tags: Tag[];
  notes: string;
  consent: { state: Consent; source: string; at: string | null };
  last_inbound_at: string | null;
  last_outbound_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface FieldDef {
  id: string;
  key: string;
  label: string;
  type: FieldType;
  choices: string[];
  created_at: string;
}

export interface Segment {
  id: string;
  name: string;
  filter: Filter;
  created_at: string;
  updated_at: string;
}

export type ConsentSource = "import" | "form" | "api" | "keyword" | "agent";
export const CONSENT_SOURCES: ConsentSource[] = ["agent", "form", "import", "api", "keyword"];

export interface ConsentEvent {
  id: string;
  action: "opt_in" | "opt_out";
  source: ConsentSource | string;
  channel: string;
  wording: string;
  reason: string;
  actor: { type: string; id: string; name: string } | null;
  created_at: string;
}

export interface ImportJob {
  id: string;
  status: "running" | "completed" | "failed";
  filename: string;
  total: number;
  processed: number;
  created: number;
  updated: number;
  skipped: number;
  rejected: number;
  error: string;
  created_at: string;
  finished_at: string | null;
}

export interface ImportPreview {
  format: "csv" | "xlsx";
  encoding: string;
  delimiter: string;
  headers: string[];
  rows: string[][];
  mapping: Record<string, string>;
}

export interface ImportOptions {
  tags: string[];
  on_existing: "update" | "skip";
  opt_in_source?: string;
  opt_in_wording?: string;
}

export interface ContactInput {
  phone?: string;
  name?: string;
  email?: string;
  language?: string;
  fields?: Record<string, unknown>;
  tags?: string[];
  notes?: string;
}

export type BulkTarget = { contact_ids: string[] } | { filter: Filter };
export type BulkAction = { add_tags: string[] } | { remove_tags: string[] } | { delete: true };

export const PAGE_SIZE = 100;

export const contactKeys = {
  all: ["contacts"] as const,
  list: (f: ListFilter) => ["contacts", "list", f] as const,
  count: (f: ListFilter) => ["contacts", "count", f] as const,
  search: (q: string) => ["contacts", "search", q] as const,
  detail: (id: string) => ["contacts", "detail", id] as const,
  consent: (id: string) => ["contacts", "consent", id] as const,
  tags: ["tags"] as const,
  fields: ["fields"] as const,
  segments: ["segments"] as const,
  segment: (id: string) => ["segments", id] as const,
  segmentCount: (id: string) => ["segments", id, "count"] as const,
  filterCount: (f: Filter) => ["segments", "count", f] as const,
  imports: ["imports"] as const,
  import: (id: string) => ["imports", id] as const,
};

const enc = encodeURIComponent;

export const contactsQuery = (f: ListFilter) =>
  infiniteQueryOptions({
    queryKey: contactKeys.list(f),
    queryFn: ({ pageParam }) =>
      api.get<List<Contact>>(withQuery("/contacts", { ...listApiParams(f), limit: PAGE_SIZE, cursor: pageParam })),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor || undefined,
  });

export const contactCountQuery = (f: ListFilter) =>
  queryOptions({
    queryKey: contactKeys.count(f),
    queryFn: () => api.get<{ count: number }>(withQuery("/contacts/count", listApiParams(f))),
  });

export const contactSearchQuery = (q: string) =>
  queryOptions({
    queryKey: contactKeys.search(q),
    queryFn: () => api.get<List<Contact>>(withQuery("/contacts", { q, limit: 10 })),
  });

export const contactQuery = (id: string) =>
  queryOptions({ queryKey: contactKeys.detail(id), queryFn: () => api.get<Contact>(`/contacts/${enc(id)}`) });

export const consentQuery = (id: string) =>
  queryOptions({
    queryKey: contactKeys.consent(id),
    queryFn: () => api.get<List<ConsentEvent>>(`/contacts/${enc(id)}/consent`),
  });

export const tagsQuery = queryOptions({ queryKey: contactKeys.tags, queryFn: () => api.get<List<Tag>>("/tags") });
export const fieldsQuery = queryOptions({ queryKey: contactKeys.fields, queryFn: () => api.get<List<FieldDef>>("/fields") });
export const segmentsQuery = queryOptions({
  queryKey: contactKeys.segments,
  queryFn: () => api.get<List<Segment>>("/segments"),
});
export const segmentQuery = (id: string) =>
  queryOptions({ queryKey: contactKeys.segment(id), queryFn: () => api.get<Segment>(`/segments/${enc(id)}`) });
export const segmentCountQuery = (id: string) =>
  queryOptions({
    queryKey: contactKeys.segmentCount(id),
    queryFn: () => api.get<{ count: number }>(`/segments/${enc(id)}/count`),
  });
export const filterCountQuery = (f: Filter) =>
  queryOptions({
    queryKey: contactKeys.filterCount(f),
    queryFn: () => api.post<{ count: number }>("/segments/count", { filter: f }),
  });

export const importsQuery = queryOptions({ queryKey: contactKeys.imports, queryFn: () => api.get<List<ImportJob>>("/imports") });
export const importQuery = (id: string) =>
  queryOptions({
    queryKey: contactKeys.import(id),
    queryFn: () => api.get<ImportJob>(`/imports/${enc(id)}`),
    refetchInterval: (q) => (q.state.data && q.state.data.status !== "running" ? false : 1000),
  });

/** Links the browser opens or downloads directly. */
export const contactLinks = {
  exportCsv: (f: ListFilter) => `${API_BASE}/contacts/export${listQueryString(f)}`,
  exportOne: (id: string) => `${API_BASE}/contacts/${enc(id)}/export`,
  importReport: (id: string) => `${API_BASE}/imports/${enc(id)}/report.csv`,
};

export const contactsApi = {
  create: (body: ContactInput) => api.post<Contact>("/contacts", body),
  update: (id: string, body: ContactInput) => api.patch<Contact>(`/contacts/${enc(id)}`, body),
  remove: (id: string) => api.del(`/contacts/${enc(id)}`),
  merge: (id: string, otherId: string) => api.post<Contact>(`/contacts/${enc(id)}/merge`, { other_id: otherId }),
  recordConsent: (
    id: string,
    body: { action: "opt_in" | "opt_out"; source: string; wording?: string; channel?: string; reason?: string },
  ) => api.post<ConsentEvent>(`/contacts/${enc(id)}/consent`, body),
  bulk: (target: BulkTarget, action: BulkAction) => api.post<{ affected: number }>("/contacts/bulk", { ...target, ...action }),
  preview: (file: File) => {
    const form = new FormData();
    form.append("file", file);
    return api.upload<ImportPreview>("/contacts/import/preview", form);
  },
  startImport: (file: File, mapping: Record<string, string>, options: ImportOptions) => {
    const form = new FormData();
    form.append("file", file);
    form.append("mapping", JSON.stringify(mapping));
    form.append("options", JSON.stringify(options));
    return api.upload<{ id: string }>("/contacts/import", form);
  },
  createTag: (body: { name: string; color: string }) => api.post<Tag>("/tags", body),
  updateTag: (id: string, body: { name?: string; color?: string }) => api.patch<Tag>(`/tags/${enc(id)}`, body),
  removeTag: (id: string) => api.del(`/tags/${enc(id)}`),
  createField: (body: { key: string; label: string; type: FieldType; choices: string[] }) => api.post<FieldDef>("/fields", body),
  updateField: (id: string, body: { label?: string; choices?: string[] }) => api.patch<FieldDef>(`/fields/${enc(id)}`, body),
  removeField: (id: string) => api.del(`/fields/${enc(id)}`),
  createSegment: (body: { name: string; filter: Filter }) => api.post<Segment>("/segments", body),
  updateSegment: (id: string, body: { name?: string; filter?: Filter }) => api.patch<Segment>(`/segments/${enc(id)}`, body),
  removeSegment: (id: string) => api.del(`/segments/${enc(id)}`),
};
