import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from "react";
import { Link, Navigate, useNavigate, useParams } from "react-router";
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ArrowLeft, ArrowRight, Check, Plus, Rocket, Send, Trash2 } from "lucide-react";
import { campaignKeys, campaignQuery, campaignsApi, type Campaign, type CampaignInput, type CompanyWithConsent, type MessageType } from "./api";
import { AudienceOptIn, MessagingLimits } from "./Admission";
import {
  audienceFilters,
  draftFromCampaign,
  emptyDraft,
  inputFromDraft,
  insertField,
  localErrors,
  personalize,
  previewValues,
  STEPS,
  stepOf,
  templateKey,
  plausiblePhone,
  templateSlots,
  unknownFields,
  defaultChoice,
  type Draft,
  type Step,
  type VarChoice,
} from "./logic";
import { connectionsQuery, type Connection } from "../connections/api";
import { templatesQuery, type Template } from "../templates/api";
import { fromComponents } from "../templates/components";
import { TemplatePreview } from "../templates/TemplatePreview";
import { fieldsQuery, segmentsQuery, tagsQuery, type FieldDef } from "../contacts/api";
import { companyQuery } from "../settings/api";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Checkbox, Input, Label, Select, Textarea } from "../../components/ui/input";
import { Field, FieldError } from "../../components/ui/field";
import { Alert } from "../../components/ui/alert";
import { Badge } from "../../components/ui/badge";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { Spinner } from "../../components/ui/misc";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useTitle } from "../../lib/useTitle";
import { cn } from "../../lib/cn";
import { isApiError } from "../../lib/api";
import { errorMessage } from "../../lib/errors";
import { formatPhone } from "../../lib/format";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";
import type { TFunction } from "i18next";

const BUILT_IN_FIELDS = ["first_name", "name", "phone"] as const;
const DAYS = [1, 2, 3, 4, 5, 6, 0];

/** A readable sentence for a campaign error code, next to its field. */
function codeText(t: TFunction, code: string): string {
  return (
    t(`campaigns.errors.${code}`, { defaultValue: "" }) ||
    t(`field.${code}`, { defaultValue: "" }) ||
    t(`error.${code}`, { defaultValue: "" }) ||
    t("field.invalid")
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(h);
  }, [value, ms]);
  return v;
}

/** A sample person for previews: built-in fields and each custom field's label in brackets. */
function useSample(defs: FieldDef[]): Record<string, string> {
  const { t } = useTranslation();
  return useMemo(() => {
    const out: Record<string, string> = {
      name: t("campaigns.sample.name"),
      first_name: t("campaigns.sample.first_name"),
      phone: formatPhone("+5511987654321"),
    };
    for (const d of defs) out[d.key] = `[${d.label || d.key}]`;
    return out;
  }, [defs, t]);
}

function fieldLabel(t: TFunction, key: string, defs: FieldDef[]): string {
  if ((BUILT_IN_FIELDS as readonly string[]).includes(key)) return t(`campaigns.fields.${key}`);
  return defs.find((d) => d.key === key)?.label || key;
}

function Stepper({ step, visited, onGo }: { step: number; visited: number; onGo: (i: number) => void }) {
  const { t } = useTranslation();
  const currentRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // On a phone the steps scroll sideways: keep the current one in sight.
    currentRef.current?.scrollIntoView?.({ block: "nearest", inline: "nearest" });
  }, [step]);
  return (
    <nav aria-label={t("campaigns.wizard.steps_label")} className="-mx-4 mb-6 overflow-x-auto px-4 md:mx-0 md:px-0">
      <ol className="flex min-w-max gap-1 sm:gap-2">
        {STEPS.map((s, i) => {
          const current = i === step;
          const done = i < step;
          return (
            <li key={s}>
              <button
                type="button"
                ref={current ? currentRef : undefined}
                disabled={i > visited}
                onClick={() => onGo(i)}
                aria-current={current ? "step" : undefined}
                className={cn(
                  "flex items-center gap-2 rounded-full px-3 py-1.5 text-sm whitespace-nowrap",
                  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring disabled:cursor-default disabled:opacity-60",
                  current ? "bg-accent font-medium text-accent-foreground" : "text-muted-foreground hover:bg-muted",
                )}
              >
                <span
                  className={cn(
                    "flex h-5 w-5 items-center justify-center rounded-full border text-xs",
                    current || done ? "border-primary bg-primary text-primary-foreground" : "border-border",
                  )}
                  aria-hidden
                >
                  {done ? <Check className="h-3 w-3" /> : i + 1}
                </span>
                <span className={cn(!current && "hidden sm:inline")}>{t(`campaigns.wizard.step.${s}`)}</span>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

function Section({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
        {description && <CardDescription>{description}</CardDescription>}
      </CardHeader>
      <CardContent className="flex flex-col gap-5">{children}</CardContent>
    </Card>
  );
}

interface StepProps {
  d: Draft;
  set: (patch: Partial<Draft>) => void;
  errors: Record<string, string>;
}

// ---------------------------------------------------------------- 1. basics

function BasicsStep({ d, set, errors, connections }: StepProps & { connections: Connection[] }) {
  const { t } = useTranslation();
  const groupId = useId();
  const toggle = (id: string, on: boolean) =>
    set({ connectionIds: on ? [...d.connectionIds, id] : d.connectionIds.filter((x) => x !== id) });
  const cloud = connections.some((c) => c.type === "whatsapp_cloud" && d.connectionIds.includes(c.id));
  return (
    <Section title={t("campaigns.wizard.basics_title")} description={t("campaigns.wizard.basics_help")}>
      <Field
        label={t("campaigns.wizard.name")}
        placeholder={t("campaigns.wizard.name_placeholder")}
        value={d.name}
        maxLength={100}
        onChange={(e) => set({ name: e.target.value })}
        error={errors.name ? codeText(t, errors.name) : undefined}
        autoFocus
      />
      <fieldset className="flex flex-col gap-2" aria-describedby={errors.connection_ids ? `${groupId}-err` : undefined}>
        <legend className="mb-1 text-sm font-medium">{t("campaigns.wizard.connections")}</legend>
        <p className="text-xs text-muted-foreground">{t("campaigns.wizard.connections_help")}</p>
        {connections.length === 0 && (
          <Alert tone="warning">
            {t("campaigns.wizard.no_connections")}{" "}
            <Link className="font-medium underline" to="/connections">
              {t("campaigns.go_connections")}
            </Link>
          </Alert>
        )}
        <ul className="flex flex-col gap-2">
          {connections.map((c) => (
            <li key={c.id}>
              <label
                className={cn(
                  "flex cursor-pointer items-center gap-3 rounded-md border p-3",
                  d.connectionIds.includes(c.id) ? "border-primary bg-accent/40" : "border-border",
                )}
              >
                <Checkbox checked={d.connectionIds.includes(c.id)} onChange={(e) => toggle(c.id, e.target.checked)} />
                <span className="flex min-w-0 flex-1 flex-col">
                  <span className="truncate text-sm font-medium">{c.name}</span>
                  <span className="text-xs text-muted-foreground">
                    {t(`campaigns.connection_type.${c.type}`, { defaultValue: c.type })}
                    {c.info?.display_phone_number ? ` · ${c.info.display_phone_number}` : ""}
                  </span>
                </span>
                {c.status !== "active" && <Badge tone="danger">{t(`campaigns.connection_status.${c.status}`, { defaultValue: c.status })}</Badge>}
              </label>
            </li>
          ))}
        </ul>
        <FieldError id={`${groupId}-err`}>{errors.connection_ids ? codeText(t, errors.connection_ids) : ""}</FieldError>
        {d.connectionIds.length > 1 && <p className="text-xs text-muted-foreground">{t("campaigns.wizard.rotation")}</p>}
        {cloud && <Alert>{t("campaigns.wizard.cloud_templates_only")}</Alert>}
      </fieldset>
    </Section>
  );
}

// ---------------------------------------------------------------- 2. audience

function AudienceStep({ d, set, errors, requireOptIn }: StepProps & { requireOptIn: boolean }) {
  const { t, i18n } = useTranslation();
  const tags = useQuery(tagsQuery);
  const segments = useQuery(segmentsQuery);
  const nf = new Intl.NumberFormat(i18n.language);
  const segs = useMemo(
    () => (segments.data?.data ?? []).map((s) => ({ id: s.id, filter: s.filter as Record<string, unknown> })),
    [segments.data],
  );
  const picked = useDebounced({ all: d.all, tags: d.tags, segmentIds: d.segmentIds }, 300);
  const filters = audienceFilters(picked, segs);
  const consentFilters = requireOptIn ? audienceFilters(picked, segs, "opted_in") : [];
  const counts = useQueries({
    queries: [...filters, ...consentFilters].map((f) => ({
      queryKey: ["segments", "count", f],
      queryFn: () => campaignsApi.count(f),
    })),
  });
  const ready = counts.every((c) => c.data);
  const sum = (from: number, to: number) => counts.slice(from, to).reduce((n, c) => n + (c.data?.count ?? 0), 0);
  const total = sum(0, filters.length);
  const withConsent = sum(filters.length, counts.length);
  const overlap = !picked.all && (picked.tags.length > 0 ? 1 : 0) + picked.segmentIds.length > 1;
  const toggle = (key: "tags" | "segmentIds", id: string, on: boolean) =>
    set({ [key]: on ? [...d[key], id] : d[key].filter((x) => x !== id) } as Partial<Draft>);
  const nothing = !d.all && !d.tags.length && !d.segmentIds.length;
  return (
    <Section title={t("campaigns.wizard.audience_title")} description={t("campaigns.wizard.audience_help")}>
      <fieldset className="flex flex-col gap-2">
        <legend className="sr-only">{t("campaigns.wizard.audience_title")}</legend>
        <label className="flex cursor-pointer items-center gap-2 text-sm">
          <input type="radio" name="audience-mode" checked={!d.all} onChange={() => set({ all: false })} className="accent-[var(--primary)]" />
          {t("campaigns.wizard.audience_pick")}
        </label>
        <label className="flex cursor-pointer items-center gap-2 text-sm">
          <input type="radio" name="audience-mode" checked={d.all} onChange={() => set({ all: true })} className="accent-[var(--primary)]" />
          {t("campaigns.wizard.audience_all")}
        </label>
      </fieldset>
      {!d.all && (
        <div className="grid gap-5 md:grid-cols-2">
          <fieldset className="flex flex-col gap-2">
            <legend className="mb-1 text-sm font-medium">{t("campaigns.wizard.tags")}</legend>
            {tags.isError && <QueryError error={tags.error} onRetry={() => tags.refetch()} />}
            {tags.data?.data.length === 0 && (
              <p className="text-sm text-muted-foreground">
                {t("campaigns.wizard.no_tags")}{" "}
                <Link to="/contacts" className="text-primary hover:underline">
                  {t("campaigns.wizard.go_contacts")}
                </Link>
              </p>
            )}
            <div className="flex flex-wrap gap-2">
              {tags.data?.data.map((tag) => {
                const on = d.tags.includes(tag.id);
                return (
                  <label
                    key={tag.id}
                    className={cn(
                      "inline-flex cursor-pointer items-center gap-2 rounded-full border px-3 py-1.5 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-ring",
                      on ? "border-primary bg-accent text-accent-foreground" : "border-border",
                    )}
                  >
                    <input type="checkbox" className="sr-only" checked={on} onChange={(e) => toggle("tags", tag.id, e.target.checked)} />
                    <span className="h-2 w-2 rounded-full" style={{ background: tag.color || "var(--muted-foreground)" }} aria-hidden />
                    {tag.name}
                    {typeof tag.contacts === "number" && <span className="text-xs text-muted-foreground">{nf.format(tag.contacts)}</span>}
                  </label>
                );
              })}
            </div>
          </fieldset>
          <fieldset className="flex flex-col gap-2">
            <legend className="mb-1 text-sm font-medium">{t("campaigns.wizard.segments")}</legend>
            {segments.data?.data.length === 0 && (
              <p className="text-sm text-muted-foreground">
                {t("campaigns.wizard.no_segments")}{" "}
                <Link to="/contacts/segments" className="text-primary hover:underline">
                  {t("campaigns.wizard.go_segments")}
                </Link>
              </p>
            )}
            {segments.data?.data.map((s) => (
              <label key={s.id} className="flex cursor-pointer items-center gap-2 text-sm">
                <Checkbox checked={d.segmentIds.includes(s.id)} onChange={(e) => toggle("segmentIds", s.id, e.target.checked)} />
                {s.name}
              </label>
            ))}
          </fieldset>
        </div>
      )}
      <FieldError>{errors.audience || errors["audience.tags"] ? codeText(t, errors.audience || errors["audience.tags"]) : ""}</FieldError>
      {!nothing && (
        <div className="rounded-md border border-border bg-muted/50 p-4" data-testid="audience-count" aria-live="polite">
          {!ready ? (
            <p className="text-sm text-muted-foreground">{t("campaigns.wizard.counting")}</p>
          ) : (
            <>
              <p className="text-lg font-semibold">
                {t(overlap ? "campaigns.wizard.count_up_to" : "campaigns.wizard.count", { count: total, n: nf.format(total) })}
              </p>
              {overlap && <p className="text-xs text-muted-foreground">{t("campaigns.wizard.count_overlap")}</p>}
              {requireOptIn ? (
                <>
                  <p className="mt-1 text-sm text-muted-foreground" data-testid="audience-consent">
                    {t("campaigns.wizard.count_consent", { count: withConsent, n: nf.format(withConsent) })}
                  </p>
                  {withConsent < total && (
                    <AudienceOptIn audience={d.all ? { all: true } : { tags: d.tags, segment_ids: d.segmentIds }} />
                  )}
                </>
              ) : (
                <p className="mt-1 text-sm text-muted-foreground">{t("campaigns.wizard.opted_out_skipped")}</p>
              )}
            </>
          )}
        </div>
      )}
    </Section>
  );
}

// ---------------------------------------------------------------- 3. message

function SourcePicker({
  name,
  choice,
  defs,
  onChange,
  invalid,
}: {
  name: string;
  choice: VarChoice;
  defs: FieldDef[];
  onChange: (c: VarChoice) => void;
  invalid: boolean;
}) {
  const { t } = useTranslation();
  const id = useId();
  const value = choice.source === "value" ? "__value" : choice.field;
  return (
    <div className="grid gap-2 sm:grid-cols-[5rem_1fr_1fr] sm:items-center" data-testid="variable-row">
      <Label htmlFor={id} className="font-mono">{`{{${name}}}`}</Label>
      <Select
        id={id}
        value={value}
        onChange={(e) =>
          onChange(e.target.value === "__value" ? { ...choice, source: "value" } : { ...choice, source: "field", field: e.target.value })
        }
      >
        <optgroup label={t("campaigns.wizard.var_from_contact")}>
          {BUILT_IN_FIELDS.map((k) => (
            <option key={k} value={k}>
              {t(`campaigns.fields.${k}`)}
            </option>
          ))}
          {defs.map((f) => (
            <option key={f.key} value={f.key}>
              {f.label || f.key}
            </option>
          ))}
        </optgroup>
        <option value="__value">{t("campaigns.wizard.var_fixed")}</option>
      </Select>
      {choice.source === "value" ? (
        <Input
          aria-label={t("campaigns.wizard.var_fixed_value", { name })}
          value={choice.value}
          aria-invalid={invalid && !choice.value.trim() ? true : undefined}
          placeholder={t("campaigns.wizard.var_fixed_placeholder")}
          onChange={(e) => onChange({ ...choice, value: e.target.value })}
        />
      ) : (
        <span className="hidden sm:block" />
      )}
    </div>
  );
}

function FieldButtons({ defs, onInsert }: { defs: FieldDef[]; onInsert: (key: string) => void }) {
  const { t } = useTranslation();
  return (
    <div className="flex flex-wrap items-center gap-1.5">
      <span className="text-xs text-muted-foreground">{t("campaigns.wizard.insert_field")}</span>
      {[...BUILT_IN_FIELDS, ...defs.map((d) => d.key)].map((k) => (
        <Button key={k} size="sm" variant="outline" className="h-7 px-2 text-xs" onClick={() => onInsert(k)}>
          <Plus className="h-3 w-3" aria-hidden />
          {fieldLabel(t, k, defs)}
        </Button>
      ))}
    </div>
  );
}

function TextWithFields({
  label,
  value,
  onChange,
  defs,
  error,
  onRemove,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  defs: FieldDef[];
  error?: string;
  onRemove?: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  const cursor = useRef<number | null>(null);
  useEffect(() => {
    if (cursor.current !== null && ref.current) {
      ref.current.focus();
      ref.current.setSelectionRange(cursor.current, cursor.current);
      cursor.current = null;
    }
  });
  const unknown = unknownFields(value, [...BUILT_IN_FIELDS, ...defs.map((d) => d.key)]);
  return (
    <div className="flex flex-col gap-1.5">
      <div className="flex items-center justify-between gap-2">
        <Label htmlFor={id}>{label}</Label>
        {onRemove && (
          <Button size="sm" variant="ghost" className="h-7 px-2 text-xs" onClick={onRemove}>
            <Trash2 className="h-3.5 w-3.5" aria-hidden />
            {t("campaigns.wizard.remove_variation")}
          </Button>
        )}
      </div>
      <Textarea
        id={id}
        ref={ref}
        rows={4}
        value={value}
        maxLength={4096}
        aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      <FieldButtons
        defs={defs}
        onInsert={(k) => {
          const at = ref.current?.selectionStart ?? value.length;
          const r = insertField(value, k, at);
          cursor.current = r.cursor;
          onChange(r.text);
        }}
      />
      {unknown.length > 0 && <p className="text-xs text-warning-foreground">{t("campaigns.wizard.unknown_fields", { fields: unknown.join(", ") })}</p>}
      <FieldError>{error}</FieldError>
    </div>
  );
}

function MessageStep({
  d,
  set,
  errors,
  connections,
  requireOptIn,
  templates,
}: StepProps & { connections: Connection[]; requireOptIn: boolean; templates: { list: Template[]; loading: boolean } }) {
  const { t } = useTranslation();
  const defs = useQuery(fieldsQuery).data?.data ?? [];
  const sample = useSample(defs);
  const cloud = connections.some((c) => c.type === "whatsapp_cloud" && d.connectionIds.includes(c.id));
  const types: MessageType[] = cloud ? ["template"] : ["text", "template", "image", "video", "document"];
  const tpl = templates.list.find((x) => templateKey(x.name, x.language) === d.template);
  const slots = templateSlots(tpl?.components);
  const tplId = useId();
  const mediaId = useId();
  useEffect(() => {
    if (cloud && d.type !== "template") set({ type: "template" });
  }, [cloud, d.type, set]);
  const previewDraft = useMemo(() => {
    if (!tpl) return null;
    const draft = fromComponents(tpl);
    draft.examples = previewValues(slots.body, d.choices, sample);
    return draft;
  }, [tpl, slots.body, d.choices, sample]);
  const marketing = d.type !== "template" || tpl?.category === "MARKETING";
  return (
    <Section title={t("campaigns.wizard.message_title")} description={t("campaigns.wizard.message_help")}>
      <div role="radiogroup" aria-label={t("campaigns.wizard.message_type")} className="flex flex-wrap gap-2">
        {types.map((ty) => (
          <button
            key={ty}
            type="button"
            role="radio"
            aria-checked={d.type === ty}
            onClick={() => set({ type: ty })}
            className={cn(
              "rounded-full border px-3 py-1.5 text-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring",
              d.type === ty ? "border-primary bg-accent font-medium text-accent-foreground" : "border-border hover:bg-muted",
            )}
          >
            {t(`campaigns.message_type.${ty}`)}
          </button>
        ))}
      </div>
      {cloud && <Alert>{t("campaigns.wizard.cloud_templates_only")}</Alert>}
      <FieldError>{errors["message.type"] ? codeText(t, errors["message.type"]) : ""}</FieldError>
      {requireOptIn && marketing && (d.type !== "template" || tpl) && (
        <Alert tone="warning">
          <span data-testid="consent-note">{t(d.type === "template" ? "campaigns.wizard.consent_marketing" : "campaigns.wizard.consent_text")}</span>
        </Alert>
      )}

      {d.type === "template" ? (
        <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
          <div className="flex flex-col gap-4">
            <div className="flex flex-col gap-1.5">
              <Label htmlFor={tplId}>{t("campaigns.wizard.template")}</Label>
              <Select
                id={tplId}
                value={d.template}
                aria-invalid={errors["message.template"] ? true : undefined}
                onChange={(e) => set({ template: e.target.value, choices: {} })}
              >
                <option value="">{templates.loading ? t("common.loading") : t("campaigns.wizard.choose_template")}</option>
                {templates.list.map((x) => {
                  const s = templateSlots(x.components);
                  return (
                    <option key={x.id} value={templateKey(x.name, x.language)} disabled={s.unsupported}>
                      {`${x.name} (${x.language}) · ${t(`campaigns.category.${x.category}`, { defaultValue: x.category })}`}
                      {s.unsupported ? ` — ${t("campaigns.wizard.template_unsupported")}` : ""}
                    </option>
                  );
                })}
              </Select>
              {!templates.loading && templates.list.length === 0 && (
                <p className="text-sm text-muted-foreground">
                  {t("campaigns.wizard.no_templates")}{" "}
                  <Link to={`/templates?connection=${d.connectionIds[0] ?? ""}`} className="text-primary hover:underline">
                    {t("campaigns.wizard.go_templates")}
                  </Link>
                </p>
              )}
              {d.connectionIds.length > 1 && <p className="text-xs text-muted-foreground">{t("campaigns.wizard.templates_on_all")}</p>}
              <FieldError>{errors["message.template"] ? codeText(t, errors["message.template"]) : ""}</FieldError>
            </div>
            {tpl && slots.body.length > 0 && (
              <fieldset className="flex flex-col gap-3">
                <legend className="mb-1 text-sm font-medium">{t("campaigns.wizard.variables")}</legend>
                <p className="text-xs text-muted-foreground">{t("campaigns.wizard.variables_help")}</p>
                {slots.body.map((n, i) => (
                  <SourcePicker
                    key={n}
                    name={n}
                    defs={defs}
                    choice={d.choices[n] ?? defaultChoice(i)}
                    invalid={Boolean(errors["message.template.variables"])}
                    onChange={(c) => set({ choices: { ...d.choices, [n]: c } })}
                  />
                ))}
                <FieldError>{errors["message.template.variables"] ? codeText(t, errors["message.template.variables"]) : ""}</FieldError>
              </fieldset>
            )}
            {tpl && slots.headerMedia && (
              <Field
                label={t(`campaigns.wizard.header_media.${slots.headerMedia}`)}
                placeholder="https://"
                value={d.headerMedia}
                onChange={(e) => set({ headerMedia: e.target.value })}
                hint={t("campaigns.wizard.header_media_help")}
                error={errors["message.template.header_media"] ? codeText(t, errors["message.template.header_media"]) : undefined}
              />
            )}
          </div>
          {previewDraft && <TemplatePreview d={previewDraft} />}
        </div>
      ) : (
        <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
          <div className="flex flex-col gap-4">
            {d.type !== "text" && (
              <div className="flex flex-col gap-1.5">
                <Label htmlFor={mediaId}>{t(`campaigns.wizard.media_link.${d.type}`)}</Label>
                <Input
                  id={mediaId}
                  placeholder="https://"
                  value={d.mediaLink}
                  aria-invalid={errors["message.media"] ? true : undefined}
                  onChange={(e) => set({ mediaLink: e.target.value })}
                />
                <p className="text-xs text-muted-foreground">{t("campaigns.wizard.media_link_help")}</p>
                <FieldError>{errors["message.media"] ? codeText(t, errors["message.media"]) : ""}</FieldError>
              </div>
            )}
            <TextWithFields
              label={d.type === "text" ? t("campaigns.wizard.text") : t("campaigns.wizard.caption")}
              value={d.text}
              defs={defs}
              onChange={(text) => set({ text })}
              error={errors["message.text"] ? codeText(t, errors["message.text"]) : undefined}
            />
            <div className="flex flex-col gap-3">
              <div>
                <p className="text-sm font-medium">{t("campaigns.wizard.variations")}</p>
                <p className="text-xs text-muted-foreground">{t("campaigns.wizard.variations_help")}</p>
              </div>
              {d.variations.map((v, i) => (
                <TextWithFields
                  key={i}
                  label={t("campaigns.wizard.variation_n", { n: i + 2 })}
                  value={v}
                  defs={defs}
                  onChange={(text) => set({ variations: d.variations.map((x, j) => (j === i ? text : x)) })}
                  onRemove={() => set({ variations: d.variations.filter((_, j) => j !== i) })}
                />
              ))}
              <FieldError>{errors["message.variations"] ? codeText(t, errors["message.variations"]) : ""}</FieldError>
              {d.variations.length < 10 && (
                <Button variant="outline" size="sm" className="self-start" onClick={() => set({ variations: [...d.variations, ""] })}>
                  <Plus className="h-4 w-4" aria-hidden />
                  {t("campaigns.wizard.add_variation")}
                </Button>
              )}
            </div>
          </div>
          <div className="rounded-lg bg-chat p-4" data-testid="text-preview">
            <p className="mb-2 text-center text-xs text-muted-foreground">{t("campaigns.wizard.preview")}</p>
            <div className="flex max-w-xs flex-col gap-1 rounded-lg rounded-tl-none bg-bubble-in p-2 text-sm text-foreground shadow-sm">
              {d.type !== "text" && (
                <div className="flex h-28 items-center justify-center rounded-md bg-black/10 text-xs text-muted-foreground dark:bg-white/10">
                  {t(`campaigns.message_type.${d.type}`)}
                </div>
              )}
              <p className="break-words whitespace-pre-wrap">
                {d.text.trim() ? personalize(d.text, sample) : <span className="italic opacity-60">{t("campaigns.wizard.preview_empty")}</span>}
              </p>
              <p className="self-end text-[11px] text-muted-foreground">12:00</p>
            </div>
          </div>
        </div>
      )}
    </Section>
  );
}

// ---------------------------------------------------------------- 4. schedule

function ScheduleStep({ d, set, errors, timeZone }: StepProps & { timeZone: string }) {
  const { t, i18n } = useTranslation();
  const startId = useId();
  const fromId = useId();
  const toId = useId();
  const dayName = (n: number) =>
    new Intl.DateTimeFormat(i18n.language, { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2026, 10, 22 + n)));
  return (
    <Section title={t("campaigns.wizard.schedule_title")} description={t("campaigns.wizard.schedule_help", { zone: timeZone })}>
      <fieldset className="flex flex-col gap-2">
        <legend className="sr-only">{t("campaigns.wizard.schedule_title")}</legend>
        <label className="flex cursor-pointer items-center gap-2 text-sm">
          <input type="radio" name="start-mode" checked={!d.later} onChange={() => set({ later: false })} className="accent-[var(--primary)]" />
          {t("campaigns.wizard.start_now")}
        </label>
        <label className="flex cursor-pointer items-center gap-2 text-sm">
          <input type="radio" name="start-mode" checked={d.later} onChange={() => set({ later: true })} className="accent-[var(--primary)]" />
          {t("campaigns.wizard.start_later")}
        </label>
      </fieldset>
      {d.later && (
        <div className="flex max-w-xs flex-col gap-1.5">
          <Label htmlFor={startId}>{t("campaigns.wizard.start_at")}</Label>
          <Input
            id={startId}
            type="datetime-local"
            value={d.startAt}
            aria-invalid={errors["schedule.start_at"] ? true : undefined}
            onChange={(e) => set({ startAt: e.target.value })}
          />
          <p className="text-xs text-muted-foreground">{t("campaigns.wizard.in_zone", { zone: timeZone })}</p>
          <FieldError>{errors["schedule.start_at"] ? codeText(t, errors["schedule.start_at"]) : ""}</FieldError>
        </div>
      )}
      <div className="flex flex-col gap-3 border-t border-border pt-4">
        <label className="flex cursor-pointer items-start gap-2 text-sm">
          <Checkbox className="mt-0.5" checked={d.windowOn} onChange={(e) => set({ windowOn: e.target.checked })} />
          <span>
            <span className="font-medium">{t("campaigns.wizard.window")}</span>
            <span className="block text-xs text-muted-foreground">{t("campaigns.wizard.window_help")}</span>
          </span>
        </label>
        {d.windowOn && (
          <div className="flex flex-col gap-4 pl-6">
            <fieldset>
              <legend className="mb-2 text-sm font-medium">{t("campaigns.wizard.window_days")}</legend>
              <div className="flex flex-wrap gap-2">
                {DAYS.map((n) => {
                  const on = d.days.includes(n);
                  return (
                    <label
                      key={n}
                      className={cn(
                        "inline-flex cursor-pointer items-center gap-1.5 rounded-md border px-2.5 py-1.5 text-sm capitalize",
                        on ? "border-primary bg-accent text-accent-foreground" : "border-border",
                      )}
                    >
                      <Checkbox checked={on} onChange={(e) => set({ days: e.target.checked ? [...d.days, n] : d.days.filter((x) => x !== n) })} />
                      {dayName(n)}
                    </label>
                  );
                })}
              </div>
            </fieldset>
            <div className="flex flex-wrap items-end gap-3">
              <div className="flex flex-col gap-1.5">
                <Label htmlFor={fromId}>{t("campaigns.wizard.window_from")}</Label>
                <Input id={fromId} type="time" className="w-32" value={d.windowStart} onChange={(e) => set({ windowStart: e.target.value })} />
              </div>
              <div className="flex flex-col gap-1.5">
                <Label htmlFor={toId}>{t("campaigns.wizard.window_to")}</Label>
                <Input id={toId} type="time" className="w-32" value={d.windowEnd} onChange={(e) => set({ windowEnd: e.target.value })} />
              </div>
            </div>
            {d.windowStart > d.windowEnd && <p className="text-xs text-muted-foreground">{t("campaigns.wizard.window_overnight")}</p>}
            <FieldError>{errors["schedule.window"] ? codeText(t, errors["schedule.window"]) : ""}</FieldError>
          </div>
        )}
      </div>
    </Section>
  );
}

// ---------------------------------------------------------------- 5. speed

function SpeedStep({ d, set, errors }: StepProps) {
  const { t } = useTranslation();
  return (
    <Section title={t("campaigns.wizard.speed_title")} description={t("campaigns.wizard.speed_help")}>
      <div className="max-w-sm">
        <Field
          label={t("campaigns.wizard.rate")}
          inputMode="decimal"
          placeholder={t("campaigns.wizard.rate_placeholder")}
          value={d.rate}
          onChange={(e) => set({ rate: e.target.value })}
          hint={t("campaigns.wizard.rate_help")}
          error={errors.rate_per_second ? codeText(t, errors.rate_per_second) : undefined}
        />
      </div>
      <fieldset className="flex flex-col gap-3 border-t border-border pt-4">
        <legend className="sr-only">{t("campaigns.wizard.stop_title")}</legend>
        <p className="text-sm font-medium">{t("campaigns.wizard.stop_title")}</p>
        <p className="text-xs text-muted-foreground">{t("campaigns.wizard.stop_help")}</p>
        <div className="flex flex-wrap items-end gap-3">
          <Field
            label={t("campaigns.wizard.failure_percent")}
            inputMode="decimal"
            className="w-28"
            value={d.failurePercent}
            onChange={(e) => set({ failurePercent: e.target.value })}
          />
          <Field
            label={t("campaigns.wizard.over_last")}
            inputMode="numeric"
            className="w-28"
            value={d.overLast}
            onChange={(e) => set({ overLast: e.target.value })}
          />
        </div>
        <p className="text-sm text-muted-foreground">
          {t("campaigns.wizard.stop_sentence", { percent: d.failurePercent || "0", n: d.overLast || "0" })}
        </p>
        <p className="text-xs text-muted-foreground">{t("campaigns.wizard.stop_spam")}</p>
        <FieldError>{errors.stop_rules ? codeText(t, errors.stop_rules) : ""}</FieldError>
      </fieldset>
      <fieldset className="flex flex-col gap-3 border-t border-border pt-4" data-testid="pacing">
        <legend className="sr-only">{t("campaigns.wizard.pacing_title")}</legend>
        <p className="text-sm font-medium">{t("campaigns.wizard.pacing_title")}</p>
        <p className="text-xs text-muted-foreground">{t("campaigns.wizard.pacing_help")}</p>
        <div className="flex flex-wrap items-end gap-3">
          <Field
            label={t("campaigns.wizard.delay_min")}
            inputMode="numeric"
            className="w-28"
            value={d.delayMin}
            onChange={(e) => set({ delayMin: e.target.value })}
          />
          <Field
            label={t("campaigns.wizard.delay_max")}
            inputMode="numeric"
            className="w-28"
            value={d.delayMax}
            onChange={(e) => set({ delayMax: e.target.value })}
          />
          <Field
            label={t("campaigns.wizard.daily_cap")}
            inputMode="numeric"
            className="w-36"
            value={d.dailyCap}
            onChange={(e) => set({ dailyCap: e.target.value })}
            error={errors["pacing.daily_cap"] ? codeText(t, errors["pacing.daily_cap"]) : undefined}
          />
        </div>
        <FieldError>{errors.pacing ? codeText(t, errors.pacing) : ""}</FieldError>
      </fieldset>
    </Section>
  );
}

// ---------------------------------------------------------------- 6. review

function ReviewStep({
  d,
  body,
  connections,
  timeZone,
  tpl,
  onTest,
  testing,
  testError,
  testSent,
}: {
  d: Draft;
  body: CampaignInput;
  connections: Connection[];
  timeZone: string;
  tpl?: Template;
  onTest: (phone: string) => void;
  testing: boolean;
  testError: string;
  testSent: string;
}) {
  const { t, i18n } = useTranslation();
  const tags = useQuery(tagsQuery).data?.data ?? [];
  const segments = useQuery(segmentsQuery).data?.data ?? [];
  const [phone, setPhone] = useState("");
  const phoneId = useId();
  const names = (ids: string[], from: { id: string; name: string }[]) => ids.map((id) => from.find((x) => x.id === id)?.name ?? "?").join(", ");
  const when = d.later && d.startAt
    ? new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" }).format(new Date(`${d.startAt}:00`))
    : "";
  const rows: [string, ReactNode][] = [
    [t("campaigns.wizard.name"), d.name],
    [t("campaigns.wizard.connections"), names(d.connectionIds, connections)],
    [
      t("campaigns.wizard.step.audience"),
      d.all
        ? t("campaigns.wizard.audience_all")
        : [d.tags.length ? `${t("campaigns.wizard.tags")}: ${names(d.tags, tags)}` : "", d.segmentIds.length ? `${t("campaigns.wizard.segments")}: ${names(d.segmentIds, segments)}` : ""]
            .filter(Boolean)
            .join(" · "),
    ],
    [
      t("campaigns.wizard.step.message"),
      d.type === "template" ? `${t("campaigns.message_type.template")}: ${tpl ? `${tpl.name} (${tpl.language})` : d.template}` : (
        <span className="whitespace-pre-wrap">
          {`${t(`campaigns.message_type.${d.type}`)}: ${d.text}`}
          {d.variations.filter((v) => v.trim()).length > 0 && ` (+${t("campaigns.wizard.variations_count", { count: d.variations.filter((v) => v.trim()).length })})`}
        </span>
      ),
    ],
    [
      t("campaigns.wizard.step.schedule"),
      [
        d.later ? t("campaigns.wizard.starts_at", { when, zone: timeZone }) : t("campaigns.wizard.start_now"),
        d.windowOn ? t("campaigns.wizard.window_summary", { from: d.windowStart, to: d.windowEnd }) : "",
      ]
        .filter(Boolean)
        .join(" · "),
    ],
    [
      t("campaigns.wizard.step.speed"),
      [
        d.rate ? t("campaigns.wizard.rate_summary", { rate: d.rate }) : t("campaigns.wizard.rate_default"),
        t("campaigns.wizard.stop_sentence", { percent: d.failurePercent || "0", n: d.overLast || "0" }),
        body.pacing?.delay_max_seconds
          ? t("campaigns.wizard.delay_summary", { min: body.pacing.delay_min_seconds ?? 0, max: body.pacing.delay_max_seconds })
          : "",
        body.pacing?.daily_cap ? t("campaigns.wizard.cap_summary", { n: body.pacing.daily_cap }) : "",
      ]
        .filter(Boolean)
        .join(" · "),
    ],
  ];
  return (
    <div className="flex flex-col gap-6">
      <Section title={t("campaigns.wizard.review_title")} description={t("campaigns.wizard.review_help")}>
        <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[10rem_1fr]" data-testid="campaign-review">
          {rows.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-muted-foreground">{k}</dt>
              <dd className="break-words">{v}</dd>
            </div>
          ))}
        </dl>
        <MessagingLimits body={body} names={(ids) => names(ids, connections)} />
      </Section>
      <Section title={t("campaigns.wizard.test_title")} description={t("campaigns.wizard.test_help")}>
        {/* Not a form of its own: it sits inside the wizard's form. */}
        <div className="flex flex-col gap-2 sm:flex-row sm:items-start">
          <div className="flex flex-1 flex-col gap-1.5 sm:max-w-xs">
            <Label htmlFor={phoneId}>{t("campaigns.wizard.test_phone")}</Label>
            <Input
              id={phoneId}
              type="tel"
              inputMode="tel"
              placeholder="+55 11 98765-4321"
              value={phone}
              aria-invalid={testError ? true : undefined}
              onChange={(e) => setPhone(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  if (phone.trim()) onTest(phone.trim());
                }
              }}
            />
            <FieldError>{testError}</FieldError>
            {testSent && (
              <p className="text-sm text-primary" role="status">
                {testSent}
              </p>
            )}
          </div>
          <Button variant="outline" className="sm:mt-6" disabled={testing || !phone.trim()} onClick={() => onTest(phone.trim())}>
            <Send className="h-4 w-4" aria-hidden />
            {testing ? t("common.wait") : t("campaigns.wizard.send_test")}
          </Button>
        </div>
      </Section>
    </div>
  );
}

// ---------------------------------------------------------------- wizard

function Wizard({ initial, campaign, connections, company }: { initial: Draft; campaign?: Campaign; connections: Connection[]; company: CompanyWithConsent }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const toast = useToast();
  const [d, setD] = useState(initial);
  const [step, setStep] = useState(0);
  const [visited, setVisited] = useState(campaign ? STEPS.length - 1 : 0);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState("");
  const [savedId, setSavedId] = useState(campaign?.id ?? "");
  const [confirm, setConfirm] = useState(false);
  const [testError, setTestError] = useState("");
  const [testSent, setTestSent] = useState("");
  const timeZone = company.time_zone || "America/Sao_Paulo";
  const requireOptIn = Boolean(company.campaigns_require_opt_in);
  const set = useMemo(() => (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch })), []);

  // Templates approved on every chosen connection (a campaign may send from any of them).
  const tplQueries = useQueries({ queries: d.connectionIds.map((id) => templatesQuery(id)) });
  const templates = useMemo(() => {
    const lists = tplQueries.map((q) => (q.data?.data ?? []).filter((x) => x.status === "APPROVED"));
    if (!lists.length) return [];
    return lists[0].filter((x) => lists.every((l) => l.some((y) => y.name === x.name && y.language === x.language)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tplQueries.map((q) => q.dataUpdatedAt).join()]);
  const tpl = templates.find((x) => templateKey(x.name, x.language) === d.template);
  const slots = templateSlots(tpl?.components);
  const bodyVars = slots.body;

  const current: Step = STEPS[step];
  useTitle(campaign ? t("campaigns.wizard.edit_title") : t("campaigns.wizard.new_title"));

  const go = (i: number) => {
    setStep(i);
    setVisited((v) => Math.max(v, i));
    window.scrollTo({ top: 0 });
  };
  function next() {
    const e = localErrors(current, d, bodyVars, Date.now(), timeZone);
    setErrors(e);
    setFormError("");
    if (Object.keys(e).length) return;
    go(step + 1);
  }

  /** Shows an API error on its field and its step. */
  function showError(err: unknown) {
    if (isApiError(err) && Object.keys(err.fields).length) {
      setErrors(err.fields);
      const first = STEPS.findIndex((s) => Object.keys(err.fields).some((f) => stepOf(f) === s));
      if (first >= 0 && first !== step) setStep(first);
      return;
    }
    if (isApiError(err) && stepOf(err.code) === "message") {
      setErrors({ [err.code === "template_header_media_required" ? "message.template.header_media" : "message.template"]: err.code });
      setStep(STEPS.indexOf("message"));
      return;
    }
    if (isApiError(err) && err.code === "not_found") {
      setFormError(t("campaigns.errors.connection_gone"));
      return;
    }
    setFormError(errorMessage(t, err));
  }

  const save = useMutation({
    mutationFn: async () => {
      const body = inputFromDraft(d, bodyVars, timeZone, slots.headerMedia);
      const c = savedId ? await campaignsApi.update(savedId, body) : await campaignsApi.create(body);
      setSavedId(c.id);
      return c;
    },
    meta: { inline: true },
    onSuccess: () => void qc.invalidateQueries({ queryKey: campaignKeys.all }),
  });

  async function saveDraft() {
    setErrors({});
    setFormError("");
    try {
      await save.mutateAsync();
      toast(t("campaigns.wizard.saved"));
      navigate("/campaigns");
    } catch (err) {
      showError(err);
    }
  }

  const test = useMutation({
    mutationFn: async (phone: string) => {
      const c = await save.mutateAsync();
      return campaignsApi.test(c.id, phone);
    },
    meta: { inline: true },
  });
  async function sendTest(phone: string) {
    setTestError("");
    setTestSent("");
    setFormError("");
    // The server answers 500 rather than a field error for a number it cannot read: catch the obvious ones here.
    if (!plausiblePhone(phone)) {
      setTestError(codeText(t, "invalid_phone"));
      return;
    }
    try {
      await test.mutateAsync(phone);
      setTestSent(t("campaigns.wizard.test_sent", { phone }));
    } catch (err) {
      if (isApiError(err) && (err.fields.phone || err.code === "invalid_phone")) setTestError(codeText(t, err.fields.phone || err.code));
      else showError(err);
    }
  }

  const start = useMutation({
    mutationFn: async () => {
      const c = await save.mutateAsync();
      return campaignsApi.action(c.id, "start");
    },
    meta: { inline: true },
    onSuccess: (c) => {
      void qc.invalidateQueries({ queryKey: campaignKeys.all });
      navigate(`/campaigns/${c.id}`);
    },
    onError: (err) => {
      setConfirm(false);
      showError(err);
    },
  });

  const busy = save.isPending || start.isPending || test.isPending;
  const props = { d, set, errors };
  return (
    <div>
      <div className="mb-4">
        <Link to="/campaigns" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
          <ArrowLeft className="h-4 w-4" aria-hidden />
          {t("nav.campaigns")}
        </Link>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight">{campaign ? t("campaigns.wizard.edit_title") : t("campaigns.wizard.new_title")}</h1>
      </div>
      <Stepper step={step} visited={visited} onGo={go} />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (current !== "review") next();
        }}
        className="flex flex-col gap-6"
      >
        {current === "basics" && <BasicsStep {...props} connections={connections} />}
        {current === "audience" && <AudienceStep {...props} requireOptIn={requireOptIn} />}
        {current === "message" && (
          <MessageStep
            {...props}
            connections={connections}
            requireOptIn={requireOptIn}
            templates={{ list: templates, loading: tplQueries.some((q) => q.isPending) }}
          />
        )}
        {current === "schedule" && <ScheduleStep {...props} timeZone={timeZone} />}
        {current === "speed" && <SpeedStep {...props} />}
        {current === "review" && (
          <ReviewStep
            d={d}
            body={inputFromDraft(d, bodyVars, timeZone, slots.headerMedia)}
            connections={connections}
            timeZone={timeZone}
            tpl={tpl}
            onTest={sendTest}
            testing={test.isPending}
            testError={testError}
            testSent={testSent}
          />
        )}
        {formError && <Alert tone="danger">{formError}</Alert>}
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-between">
          <Button variant="outline" onClick={() => (step === 0 ? navigate("/campaigns") : go(step - 1))}>
            <ArrowLeft className="h-4 w-4" aria-hidden />
            {step === 0 ? t("common.cancel") : t("campaigns.wizard.back")}
          </Button>
          {current === "review" ? (
            <div className="flex flex-col-reverse gap-2 sm:flex-row">
              <Button variant="outline" onClick={saveDraft} disabled={busy}>
                {t("campaigns.wizard.save_draft")}
              </Button>
              <Button onClick={() => setConfirm(true)} disabled={busy}>
                <Rocket className="h-4 w-4" aria-hidden />
                {d.later ? t("campaigns.wizard.schedule_campaign") : t("campaigns.wizard.start_campaign")}
              </Button>
            </div>
          ) : (
            <Button type="submit">
              {t("campaigns.wizard.next")}
              <ArrowRight className="h-4 w-4" aria-hidden />
            </Button>
          )}
        </div>
      </form>
      <Dialog open={confirm} onOpenChange={setConfirm}>
        <DialogContent
          title={d.later ? t("campaigns.wizard.confirm_schedule_title") : t("campaigns.wizard.confirm_start_title")}
          description={t("campaigns.wizard.confirm_start_help")}
        >
          <DialogFooter>
            <Button variant="outline" onClick={() => setConfirm(false)}>
              {t("common.cancel")}
            </Button>
            <Button onClick={() => start.mutate()} disabled={start.isPending} data-testid="confirm-start">
              <Rocket className="h-4 w-4" aria-hidden />
              {start.isPending ? t("common.wait") : d.later ? t("campaigns.wizard.schedule_campaign") : t("campaigns.wizard.start_campaign")}
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </div>
  );
}

export function CampaignWizardPage() {
  const { id = "" } = useParams();
  const admin = isAdmin(useMe().role);
  const conns = useQuery(connectionsQuery);
  const company = useQuery(companyQuery);
  const campaign = useQuery({ ...campaignQuery(id), enabled: Boolean(id) });
  if (!admin) return <Navigate to={id ? `/campaigns/${id}` : "/campaigns"} replace />;
  const failed = [conns, company, ...(id ? [campaign] : [])].find((q) => q.isError);
  if (failed) return <QueryError error={failed.error} onRetry={() => failed.refetch()} />;
  if (!conns.data || !company.data || (id && !campaign.data)) return <Spinner />;
  if (campaign.data && campaign.data.status !== "draft") return <Navigate to={`/campaigns/${id}`} replace />;
  const tz = company.data.time_zone || "America/Sao_Paulo";
  const initial = campaign.data ? draftFromCampaign(campaign.data, tz) : emptyDraft();
  if (!campaign.data && conns.data.data.length === 1) initial.connectionIds = [conns.data.data[0].id];
  return (
    <Wizard
      key={id || "new"}
      initial={initial}
      campaign={campaign.data}
      connections={conns.data.data}
      company={company.data as CompanyWithConsent}
    />
  );
}
