import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Filter as FilterIcon, Plus, Trash2, Users, X } from "lucide-react";
import {
  contactKeys,
  contactsApi,
  fieldsQuery,
  filterCountQuery,
  segmentCountQuery,
  segmentQuery,
  segmentsQuery,
  tagsQuery,
  type FieldDef,
  type Segment,
  type Tag,
} from "./api";
import {
  CONSENTS,
  DATE_RANGES,
  OPS_BY_TYPE,
  draftFromFilter,
  filterFromDraft,
  opLabelKey,
  opNeedsValue,
  type Draft,
  type FieldOp,
  type FieldType,
} from "./filters";
import { TagChip } from "./parts";
import { companyQuery } from "../settings/api";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Field } from "../../components/ui/field";
import { Input, Label, Select } from "../../components/ui/input";
import { Alert } from "../../components/ui/alert";
import { EmptyState, Spinner } from "../../components/ui/misc";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";
import { useDates } from "../settings/useDates";

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(h);
  }, [value, ms]);
  return v;
}

function SegmentCount({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const count = useQuery(segmentCountQuery(id));
  if (!count.data) return <span className="text-muted-foreground">…</span>;
  const n = count.data.count;
  return <span>{t("contacts.list.count", { count: n, n: new Intl.NumberFormat(i18n.language).format(n) })}</span>;
}

function SegmentRow({ segment }: { segment: Segment }) {
  const { t } = useTranslation();
  const dates = useDates();
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const remove = useMutation({
    mutationFn: () => contactsApi.removeSegment(segment.id),
    onSettled: () => setConfirm(false),
    onSuccess: () => qc.invalidateQueries({ queryKey: contactKeys.segments }),
  });
  return (
    <li className="flex flex-col gap-2 px-5 py-4 sm:flex-row sm:items-center sm:justify-between" data-testid="segment-row">
      <div className="min-w-0">
        <Link to={`/contacts/segments/${encodeURIComponent(segment.id)}`} className="font-medium hover:underline">
          {segment.name}
        </Link>
        <p className="text-sm text-muted-foreground">
          <SegmentCount id={segment.id} /> · {t("contacts.segments.updated", { date: dates.date(segment.updated_at) })}
        </p>
      </div>
      <div className="flex flex-wrap gap-2">
        <Button size="sm" variant="outline" asChild>
          <Link to={`/contacts?segment=${encodeURIComponent(segment.id)}`}>
            <Users className="h-4 w-4" aria-hidden />
            {t("contacts.segments.see_contacts")}
          </Link>
        </Button>
        <Button size="sm" variant="outline" asChild>
          <Link to={`/contacts/segments/${encodeURIComponent(segment.id)}`}>{t("contacts.segments.edit")}</Link>
        </Button>
        <Button size="sm" variant="ghost" onClick={() => setConfirm(true)} title={t("contacts.segments.delete")}>
          <Trash2 className="h-4 w-4 text-danger" aria-hidden />
          <span className="sr-only">{t("contacts.segments.delete")}</span>
        </Button>
      </div>
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={t("contacts.segments.delete_title", { name: segment.name })}
        description={t("contacts.segments.delete_help")}
        confirmLabel={t("contacts.segments.delete")}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
      />
    </li>
  );
}

export function SegmentsPage() {
  const { t } = useTranslation();
  const segments = useQuery(segmentsQuery);
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-muted-foreground">{t("contacts.segments.help")}</p>
        <Button asChild>
          <Link to="/contacts/segments/new">
            <Plus className="h-4 w-4" aria-hidden />
            {t("contacts.segments.new")}
          </Link>
        </Button>
      </div>
      <Card>
        {segments.isPending && <Spinner />}
        {segments.isError && (
          <div className="p-4">
            <QueryError error={segments.error} onRetry={() => segments.refetch()} />
          </div>
        )}
        {segments.isSuccess && segments.data.data.length === 0 && (
          <EmptyState icon={<FilterIcon className="h-6 w-6" aria-hidden />} title={t("contacts.segments.empty")}>
            {t("contacts.segments.empty_help")}
          </EmptyState>
        )}
        {segments.isSuccess && segments.data.data.length > 0 && (
          <ul className="divide-y divide-border">
            {segments.data.data.map((s) => (
              <SegmentRow key={s.id} segment={s} />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

function TagsPick({ label, value, onChange, tags }: { label: string; value: string[]; onChange: (v: string[]) => void; tags: Tag[] }) {
  const { t } = useTranslation();
  const id = useId();
  const byId = new Map(tags.map((x) => [x.id, x]));
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <Select
        id={id}
        value=""
        onChange={(e) => e.target.value && onChange([...value, e.target.value])}
        disabled={tags.length === 0}
      >
        <option value="">{tags.length ? t("contacts.segments.add_tag") : t("contacts.segments.no_tags")}</option>
        {tags
          .filter((x) => !value.includes(x.id))
          .map((x) => (
            <option key={x.id} value={x.id}>
              {x.name}
            </option>
          ))}
      </Select>
      {value.length > 0 && (
        <div className="flex flex-wrap gap-1.5">
          {value.map((v) => (
            <span key={v} className="inline-flex items-center gap-1">
              <TagChip tag={byId.get(v) ?? { name: "…", color: "" }} />
              <button
                type="button"
                className="rounded-full p-0.5 text-muted-foreground hover:bg-muted"
                aria-label={t("common.remove_item", { item: byId.get(v)?.name ?? v })}
                onClick={() => onChange(value.filter((x) => x !== v))}
              >
                <X className="h-3 w-3" aria-hidden />
              </button>
            </span>
          ))}
        </div>
      )}
    </div>
  );
}

function ConditionRow({
  cond,
  defs,
  onChange,
  onRemove,
  index,
}: {
  cond: Draft["fields"][number];
  defs: FieldDef[];
  onChange: (c: Draft["fields"][number]) => void;
  onRemove: () => void;
  index: number;
}) {
  const { t } = useTranslation();
  const def = defs.find((d) => d.key === cond.key);
  const ops: FieldOp[] = def ? OPS_BY_TYPE[def.type] : [];
  const n = index + 1;
  let valueControl = null;
  if (def && opNeedsValue(cond.op)) {
    const aria = t("contacts.segments.value_of", { n });
    if (def.type === "boolean") {
      valueControl = (
        <Select aria-label={aria} value={cond.value} onChange={(e) => onChange({ ...cond, value: e.target.value })}>
          <option value="">—</option>
          <option value="true">{t("common.yes")}</option>
          <option value="false">{t("common.no")}</option>
        </Select>
      );
    } else if (def.type === "choice") {
      valueControl = (
        <Select aria-label={aria} value={cond.value} onChange={(e) => onChange({ ...cond, value: e.target.value })}>
          <option value="">—</option>
          {def.choices.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </Select>
      );
    } else {
      valueControl = (
        <Input
          aria-label={aria}
          type={def.type === "date" ? "date" : "text"}
          inputMode={def.type === "number" ? "decimal" : undefined}
          value={cond.value}
          onChange={(e) => onChange({ ...cond, value: e.target.value })}
        />
      );
    }
  }
  return (
    <li className="grid gap-2 rounded-md border border-border p-3 sm:grid-cols-[1fr_1fr_1fr_auto] sm:items-center sm:border-0 sm:p-0">
      <Select
        aria-label={t("contacts.segments.field_of", { n })}
        value={cond.key}
        onChange={(e) => {
          const d = defs.find((x) => x.key === e.target.value);
          onChange({ key: e.target.value, op: d ? OPS_BY_TYPE[d.type][0] : "equals", value: "" });
        }}
      >
        {!def && <option value={cond.key}>{cond.key || "—"}</option>}
        {defs.map((d) => (
          <option key={d.key} value={d.key}>
            {d.label || d.key}
          </option>
        ))}
      </Select>
      <Select aria-label={t("contacts.segments.op_of", { n })} value={cond.op} onChange={(e) => onChange({ ...cond, op: e.target.value as FieldOp })}>
        {ops.map((op) => (
          <option key={op} value={op}>
            {t(opLabelKey(def?.type, op))}
          </option>
        ))}
      </Select>
      <div>{valueControl}</div>
      <Button variant="ghost" size="icon" onClick={onRemove} aria-label={t("contacts.segments.remove_condition", { n })}>
        <Trash2 className="h-4 w-4" aria-hidden />
      </Button>
    </li>
  );
}

function Builder({ segment }: { segment?: Segment }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const toast = useToast();
  const company = useQuery(companyQuery);
  const tz = company.data?.time_zone || undefined;
  const tags = useQuery(tagsQuery);
  const defs = useQuery(fieldsQuery);
  const consentId = useId();
  const [name, setName] = useState(segment?.name ?? "");
  const [draft, setDraft] = useState<Draft>(() => draftFromFilter(segment?.filter, tz));
  const [confirm, setConfirm] = useState(false);
  const types = useMemo(() => {
    const out: Record<string, FieldType> = {};
    for (const d of defs.data?.data ?? []) out[d.key] = d.type;
    return out;
  }, [defs.data]);
  const filter = useMemo(() => filterFromDraft(draft, types, tz), [draft, types, tz]);
  const debounced = useDebounced(filter, 400);
  const liveCount = useQuery(filterCountQuery(debounced));
  // While a new count loads, the last one stays on screen.
  const lastCount = useRef(liveCount.data);
  if (liveCount.data) lastCount.current = liveCount.data;
  const count = { data: liveCount.data ?? lastCount.current, isError: liveCount.isError };
  const nf = new Intl.NumberFormat(i18n.language);

  const save = useMutation({
    mutationFn: () =>
      segment ? contactsApi.updateSegment(segment.id, { name: name.trim(), filter }) : contactsApi.createSegment({ name: name.trim(), filter }),
    meta: { inline: true },
    onSuccess: (s) => {
      void qc.invalidateQueries({ queryKey: contactKeys.segments });
      qc.setQueryData(contactKeys.segment(s.id), s);
      toast(t("contacts.segments.saved", { name: s.name }));
      if (!segment) navigate(`/contacts/segments/${encodeURIComponent(s.id)}`, { replace: true });
    },
  });
  const remove = useMutation({
    mutationFn: () => contactsApi.removeSegment(segment!.id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: contactKeys.segments });
      navigate("/contacts/segments");
    },
  });
  const errors = useFormErrors(save.error);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const tagList = tags.data?.data ?? [];
  const defList = defs.data?.data ?? [];

  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }

  return (
    <form onSubmit={submit} className="flex flex-col gap-6" noValidate>
      <div className="sticky top-14 z-20 -mx-4 flex flex-col gap-2 border-b border-border bg-background/95 px-4 py-3 backdrop-blur sm:flex-row sm:items-center sm:justify-between md:top-0 md:mx-0 md:rounded-md md:border md:px-4">
        <p className="text-sm" aria-live="polite" data-testid="segment-count">
          {count.data ? (
            <span>
              <span className="text-xl font-semibold tabular-nums">{nf.format(count.data.count)}</span>{" "}
              {t("contacts.segments.match", { count: count.data.count })}
            </span>
          ) : count.isError ? (
            <span className="text-danger">{t("contacts.segments.count_failed")}</span>
          ) : (
            <span className="text-muted-foreground">{t("common.loading")}</span>
          )}
        </p>
        <div className="flex gap-2">
          {segment && (
            <Button variant="outline" onClick={() => setConfirm(true)}>
              <Trash2 className="h-4 w-4 text-danger" aria-hidden />
              {t("contacts.segments.delete")}
            </Button>
          )}
          <Button type="submit" disabled={save.isPending}>
            {t("contacts.segments.save")}
          </Button>
        </div>
      </div>
      {errors.form && <Alert tone="danger">{errors.form}</Alert>}
      <Card>
        <CardContent className="pt-5">
          <Field label={t("contacts.segments.name")} value={name} onChange={(e) => setName(e.target.value)} error={errors.fields.name} required />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("contacts.segments.who")}</CardTitle>
          <CardDescription>{t("contacts.segments.who_help")}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-5">
          <Field label={t("contacts.segments.text")} hint={t("contacts.segments.text_help")} value={draft.q} onChange={(e) => set({ q: e.target.value })} />
          <div className="grid gap-4 sm:grid-cols-3">
            <TagsPick label={t("contacts.segments.tags_any")} value={draft.any} onChange={(any) => set({ any })} tags={tagList} />
            <TagsPick label={t("contacts.segments.tags_all")} value={draft.all} onChange={(all) => set({ all })} tags={tagList} />
            <TagsPick label={t("contacts.segments.tags_none")} value={draft.none} onChange={(none) => set({ none })} tags={tagList} />
          </div>
          <div className="flex flex-col gap-1.5 sm:max-w-xs">
            <Label htmlFor={consentId}>{t("contacts.fields.consent")}</Label>
            <Select id={consentId} value={draft.consent} onChange={(e) => set({ consent: e.target.value as Draft["consent"] })}>
              <option value="">{t("contacts.list.any_consent")}</option>
              {CONSENTS.map((c) => (
                <option key={c} value={c}>
                  {t(`contacts.consent.${c}`)}
                </option>
              ))}
            </Select>
          </div>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("contacts.segments.conditions")}</CardTitle>
          <CardDescription>{defList.length ? t("contacts.segments.conditions_help") : t("contacts.segments.no_fields")}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-3">
          {draft.fields.length > 0 && (
            <ul className="flex flex-col gap-2">
              {draft.fields.map((c, i) => (
                <ConditionRow
                  key={i}
                  index={i}
                  cond={c}
                  defs={defList}
                  onChange={(nc) => set({ fields: draft.fields.map((x, j) => (j === i ? nc : x)) })}
                  onRemove={() => set({ fields: draft.fields.filter((_, j) => j !== i) })}
                />
              ))}
            </ul>
          )}
          {defList.length > 0 && (
            <div>
              <Button
                variant="outline"
                size="sm"
                onClick={() => set({ fields: [...draft.fields, { key: defList[0].key, op: OPS_BY_TYPE[defList[0].type][0], value: "" }] })}
              >
                <Plus className="h-4 w-4" aria-hidden />
                {t("contacts.segments.add_condition")}
              </Button>
            </div>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("contacts.segments.dates")}</CardTitle>
          <CardDescription>{t("contacts.segments.dates_help")}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          {DATE_RANGES.map((k) => (
            <fieldset key={k} className="grid gap-2 sm:grid-cols-[12rem_1fr_1fr] sm:items-end">
              <legend className="text-sm font-medium sm:float-left sm:pb-2.5">{t(`contacts.segments.range.${k}`)}</legend>
              <Field
                type="date"
                label={t("contacts.segments.from")}
                aria-label={`${t(`contacts.segments.range.${k}`)}: ${t("contacts.segments.from")}`}
                value={draft[k].after}
                onChange={(e) => set({ [k]: { ...draft[k], after: e.target.value } } as Partial<Draft>)}
              />
              <Field
                type="date"
                label={t("contacts.segments.before")}
                aria-label={`${t(`contacts.segments.range.${k}`)}: ${t("contacts.segments.before")}`}
                value={draft[k].before}
                onChange={(e) => set({ [k]: { ...draft[k], before: e.target.value } } as Partial<Draft>)}
              />
            </fieldset>
          ))}
        </CardContent>
      </Card>
      {segment && (
        <ConfirmDialog
          open={confirm}
          onOpenChange={setConfirm}
          title={t("contacts.segments.delete_title", { name: segment.name })}
          description={t("contacts.segments.delete_help")}
          confirmLabel={t("contacts.segments.delete")}
          onConfirm={() => remove.mutate()}
          pending={remove.isPending}
        />
      )}
    </form>
  );
}

export function SegmentEditorPage() {
  const { id = "new" } = useParams();
  const isNew = id === "new";
  const segment = useQuery({ ...segmentQuery(id), enabled: !isNew });
  const company = useQuery(companyQuery);
  if (company.isPending || (!isNew && segment.isPending)) return <Spinner />;
  if (!isNew && segment.isError) return <QueryError error={segment.error} onRetry={() => segment.refetch()} />;
  return <Builder key={id} segment={isNew ? undefined : segment.data} />;
}
