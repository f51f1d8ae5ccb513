// Pure logic of the import wizard: the targets a column can go to, one column
// per target, and the time left of a running import.
import type { FieldDef, ImportJob } from "./api";

export const BASE_TARGETS = ["name", "phone", "email", "language", "tags", "notes"] as const;

export interface Target {
  value: string;
  /** A translation key for the built-in targets, or the custom field's label. */
  labelKey?: string;
  label?: string;
}

/** Everything a column can be imported as, "" meaning "ignore this column". */
export function mappingTargets(defs: FieldDef[]): Target[] {
  return [
    { value: "", labelKey: "contacts.import.ignore" },
    ...BASE_TARGETS.map((v) => ({ value: v, labelKey: `contacts.fields.${v}` })),
    ...defs.map((d) => ({ value: `fields.${d.key}`, label: d.label || d.key })),
  ];
}

/** Sends column `header` to `target`; another column that went there is ignored from now on. */
export function setMapping(mapping: Record<string, string>, header: string, target: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [h, v] of Object.entries(mapping)) out[h] = target && v === target && h !== header ? "" : v;
  out[header] = target;
  return out;
}

/** The preview's guessed mapping for every header, unknown targets ignored. */
export function initialMapping(headers: string[], guessed: Record<string, string>, defs: FieldDef[]): Record<string, string> {
  const known = new Set(mappingTargets(defs).map((t) => t.value));
  let out: Record<string, string> = {};
  for (const h of headers) out[h] = "";
  for (const h of headers) {
    const g = guessed[h] ?? "";
    if (g && known.has(g)) out = setMapping(out, h, g);
  }
  return out;
}

export function mapsPhone(mapping: Record<string, string>): boolean {
  return Object.values(mapping).includes("phone");
}

/** Seconds left, from the pace so far; null before there is a pace to go by. */
export function importEta(job: Pick<ImportJob, "status" | "total" | "processed" | "created_at">, nowMs: number): number | null {
  if (job.status !== "running" || job.total <= 0 || job.processed <= 0) return null;
  const started = Date.parse(job.created_at);
  if (Number.isNaN(started)) return null;
  const elapsed = (nowMs - started) / 1000;
  if (elapsed <= 0) return null;
  const left = Math.max(0, job.total - job.processed);
  return Math.ceil(left / (job.processed / elapsed));
}

export function percent(processed: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.round((processed / total) * 100));
}
