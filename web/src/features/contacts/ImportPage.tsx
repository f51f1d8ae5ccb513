import { useEffect, useId, useMemo, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { CheckCircle2, FileSpreadsheet, FileWarning, Upload } from "lucide-react";
import {
  CONSENT_SOURCES,
  contactKeys,
  contactLinks,
  contactsApi,
  fieldsQuery,
  importQuery,
  importsQuery,
  tagsQuery,
  type ImportJob,
  type ImportPreview,
} from "./api";
import { useIsPhone } from "./parts";
import { importEta, initialMapping, mappingTargets, mapsPhone, percent, setMapping } from "./importing";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Checkbox, Label, Select, Textarea } from "../../components/ui/input";
import { ChipsInput } from "../../components/ui/chips-input";
import { FieldError } from "../../components/ui/field";
import { Alert } from "../../components/ui/alert";
import { Badge } from "../../components/ui/badge";
import { EmptyState, Spinner } from "../../components/ui/misc";
import { Table, TBody, TD, TH, THead, TR } from "../../components/ui/table";
import { QueryError } from "../../components/query-error";
import { useFormErrors } from "../../lib/useFormErrors";
import { useDates } from "../settings/useDates";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";

function UploadStep({ onPreview }: { onPreview: (file: File, preview: ImportPreview) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const preview = useMutation({
    mutationFn: (f: File) => contactsApi.preview(f),
    meta: { inline: true },
    onSuccess: (p, f) => onPreview(f, p),
  });
  const errors = useFormErrors(preview.error);
  function submit(e: FormEvent) {
    e.preventDefault();
    if (file) preview.mutate(file);
  }
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("contacts.import.upload_title")}</CardTitle>
        <CardDescription>{t("contacts.import.upload_help")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={id}>{t("contacts.import.file")}</Label>
            <div
              className="flex flex-col items-start gap-3 rounded-md border border-dashed border-input bg-background p-4 sm:flex-row sm:items-center"
              onDragOver={(e) => e.preventDefault()}
              onDrop={(e) => {
                e.preventDefault();
                const f = e.dataTransfer.files?.[0];
                if (f) setFile(f);
              }}
            >
              <input
                id={id}
                type="file"
                accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                className="peer sr-only"
                onChange={(e) => setFile(e.target.files?.[0] ?? null)}
              />
              <label
                htmlFor={id}
                className="inline-flex h-9 cursor-pointer items-center gap-2 rounded-md bg-muted px-3 text-sm font-medium hover:bg-border peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-ring"
              >
                <FileSpreadsheet className="h-4 w-4" aria-hidden />
                {t("contacts.import.choose_file")}
              </label>
              <span className="w-full min-w-0 text-sm break-words text-muted-foreground sm:w-auto sm:flex-1" data-testid="import-file-name">
                {file ? file.name : t("contacts.import.no_file")}
              </span>
            </div>
            <FieldError>{errors.fields.file || errors.form}</FieldError>
          </div>
          <div>
            <Button type="submit" disabled={!file || preview.isPending}>
              <Upload className="h-4 w-4" aria-hidden />
              {preview.isPending ? t("common.wait") : t("contacts.import.read_file")}
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

function MappingStep({
  file,
  preview,
  onStarted,
  onCancel,
}: {
  file: File;
  preview: ImportPreview;
  onStarted: (id: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const defs = useQuery(fieldsQuery);
  const tags = useQuery(tagsQuery);
  const ids = { tags: useId(), source: useId(), wording: useId() };
  const targets = useMemo(() => mappingTargets(defs.data?.data ?? []), [defs.data]);
  const [mapping, setMap] = useState<Record<string, string>>(() => initialMapping(preview.headers, preview.mapping, []));
  useEffect(() => {
    if (defs.data) setMap(initialMapping(preview.headers, preview.mapping, defs.data.data));
  }, [defs.data, preview]);
  const [tagNames, setTagNames] = useState<string[]>([]);
  const [onExisting, setOnExisting] = useState<"update" | "skip">("update");
  const [optIn, setOptIn] = useState(false);
  const [source, setSource] = useState("import");
  const [wording, setWording] = useState("");
  const [wordingMissing, setWordingMissing] = useState(false);

  const start = useMutation({
    mutationFn: () =>
      contactsApi.startImport(file, mapping, {
        tags: tagNames,
        on_existing: onExisting,
        ...(optIn ? { opt_in_source: source, opt_in_wording: wording.trim() } : {}),
      }),
    meta: { inline: true },
    onSuccess: (res) => {
      void qc.invalidateQueries({ queryKey: contactKeys.imports });
      onStarted(res.id);
    },
  });
  const errors = useFormErrors(start.error);
  const hasPhone = mapsPhone(mapping);
  const phone = useIsPhone();
  const label = (v: string) => {
    const x = targets.find((y) => y.value === v);
    return x?.labelKey ? t(x.labelKey) : (x?.label ?? v);
  };
  const columnSelect = (h: string) => (
    <Select
      aria-label={t("contacts.import.column_as", { column: h })}
      className="h-9"
      value={mapping[h] ?? ""}
      onChange={(e) => setMap((m) => setMapping(m, h, e.target.value))}
    >
      {targets.map((x) => (
        <option key={x.value} value={x.value}>
          {x.labelKey ? t(x.labelKey) : x.label}
        </option>
      ))}
    </Select>
  );
  function submit(e: FormEvent) {
    e.preventDefault();
    if (optIn && !wording.trim()) {
      setWordingMissing(true);
      return;
    }
    if (hasPhone) start.mutate();
  }
  return (
    <form onSubmit={submit} className="flex flex-col gap-6" noValidate>
      <Card>
        <CardHeader>
          <CardTitle>{t("contacts.import.mapping_title")}</CardTitle>
          <CardDescription>
            {t("contacts.import.mapping_help", { file: file.name, format: preview.format.toUpperCase() })}
          </CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          {phone ? (
            <ul className="flex flex-col divide-y divide-border" data-testid="import-mapping">
              {preview.headers.map((h, j) => (
                <li key={h} className="flex flex-col gap-1.5 py-3">
                  <span className="text-sm font-medium">{h}</span>
                  <span className="truncate text-xs text-muted-foreground">
                    {preview.rows
                      .slice(0, 3)
                      .map((r) => r[j] ?? "")
                      .filter(Boolean)
                      .join(" · ") || "—"}
                  </span>
                  {columnSelect(h)}
                </li>
              ))}
            </ul>
          ) : (
            <Table data-testid="import-mapping">
              <THead>
                <TR>
                  {preview.headers.map((h) => (
                    <TH key={h} className="min-w-40 align-top">
                      <div className="flex flex-col gap-1.5">
                        <span className="text-foreground">{h}</span>
                        <Select
                          aria-label={t("contacts.import.column_as", { column: h })}
                          className="h-9"
                          value={mapping[h] ?? ""}
                          onChange={(e) => setMap((m) => setMapping(m, h, e.target.value))}
                        >
                          {targets.map((x) => (
                            <option key={x.value} value={x.value}>
                              {x.labelKey ? t(x.labelKey) : x.label}
                            </option>
                          ))}
                        </Select>
                      </div>
                    </TH>
                  ))}
                </TR>
              </THead>
              <TBody>
                {preview.rows.map((r, i) => (
                  <TR key={i}>
                    {preview.headers.map((h, j) => (
                      <TD key={h} className={mapping[h] ? "max-w-56 truncate" : "max-w-56 truncate text-muted-foreground line-through"}>
                        {r[j] ?? ""}
                      </TD>
                    ))}
                  </TR>
                ))}
              </TBody>
            </Table>
          )}
          <p className="text-xs text-muted-foreground">
            {t("contacts.import.mapped_summary", {
              list: preview.headers
                .filter((h) => mapping[h])
                .map((h) => `${h} → ${label(mapping[h])}`)
                .join(" · ") || "—",
            })}
          </p>
          {!hasPhone && <Alert tone="warning">{t("contacts.import.need_phone")}</Alert>}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("contacts.import.options_title")}</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-5">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={ids.tags}>{t("contacts.import.tag_all")}</Label>
            <ChipsInput
              id={ids.tags}
              value={tagNames}
              onChange={setTagNames}
              suggestions={tags.data?.data.map((x) => x.name)}
              prompt={t("contacts.form.tags_prompt")}
            />
            <p className="text-xs text-muted-foreground">{t("contacts.import.tag_all_help")}</p>
          </div>
          <fieldset className="flex flex-col gap-2">
            <legend className="mb-1 text-sm font-medium">{t("contacts.import.on_existing")}</legend>
            {(["update", "skip"] as const).map((v) => (
              <label key={v} className="flex items-start gap-2 text-sm">
                <input
                  type="radio"
                  name="on_existing"
                  className="mt-0.5 h-4 w-4 accent-[var(--primary)]"
                  checked={onExisting === v}
                  onChange={() => setOnExisting(v)}
                />
                {t(`contacts.import.on_existing_${v}`)}
              </label>
            ))}
          </fieldset>
          <div className="flex flex-col gap-3">
            <label className="flex items-start gap-2 text-sm font-medium">
              <Checkbox className="mt-0.5" checked={optIn} onChange={(e) => setOptIn(e.target.checked)} />
              {t("contacts.import.opt_in")}
            </label>
            {optIn && (
              <div className="grid gap-4 pl-6 sm:grid-cols-2">
                <div className="flex flex-col gap-1.5">
                  <Label htmlFor={ids.source}>{t("contacts.consent_dialog.source")}</Label>
                  <Select id={ids.source} value={source} onChange={(e) => setSource(e.target.value)}>
                    {CONSENT_SOURCES.filter((s) => s !== "keyword").map((s) => (
                      <option key={s} value={s}>
                        {t(`contacts.sources.${s}`)}
                      </option>
                    ))}
                  </Select>
                </div>
                <div className="flex flex-col gap-1.5 sm:col-span-2">
                  <Label htmlFor={ids.wording}>{t("contacts.import.opt_in_wording")}</Label>
                  <Textarea
                    id={ids.wording}
                    rows={3}
                    value={wording}
                    aria-invalid={wordingMissing && !wording.trim() ? true : undefined}
                    onChange={(e) => setWording(e.target.value)}
                    placeholder={t("contacts.consent_dialog.wording_example")}
                  />
                  <p className="text-xs text-muted-foreground">{t("contacts.import.opt_in_help")}</p>
                  <FieldError>{wordingMissing && !wording.trim() ? t("field.required") : errors.fields.opt_in_wording}</FieldError>
                </div>
              </div>
            )}
          </div>
        </CardContent>
      </Card>
      {errors.form && <Alert tone="danger">{errors.form}</Alert>}
      {Object.keys(errors.fields).length > 0 && !errors.fields.opt_in_wording && (
        <Alert tone="danger">{Object.values(errors.fields).join(" ")}</Alert>
      )}
      <div className="flex flex-col-reverse gap-2 sm:flex-row">
        <Button variant="outline" onClick={onCancel}>
          {t("contacts.import.choose_other")}
        </Button>
        <Button type="submit" disabled={!hasPhone || start.isPending}>
          {t("contacts.import.start")}
        </Button>
      </div>
    </form>
  );
}

function formatEta(seconds: number, lang: string): string {
  if (seconds < 60) return new Intl.NumberFormat(lang, { style: "unit", unit: "second", unitDisplay: "long" }).format(seconds);
  return new Intl.NumberFormat(lang, { style: "unit", unit: "minute", unitDisplay: "long" }).format(Math.ceil(seconds / 60));
}

function Counts({ job }: { job: ImportJob }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  const items = [
    ["created", job.created],
    ["updated", job.updated],
    ["skipped", job.skipped],
    ["rejected", job.rejected],
  ] as const;
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
      {items.map(([k, v]) => (
        <div key={k} className="rounded-md border border-border p-3" data-testid={`import-${k}`}>
          <dt className="text-xs text-muted-foreground">{t(`contacts.import.counts.${k}`)}</dt>
          <dd className="text-xl font-semibold tabular-nums">{nf.format(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function Progress({ id, onAgain }: { id: string; onAgain: () => void }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const job = useQuery(importQuery(id));
  const [now, setNow] = useState(() => Date.now());
  const status = job.data?.status;
  useEffect(() => {
    if (status !== "running") return;
    const h = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(h);
  }, [status]);
  useEffect(() => {
    if (status && status !== "running") {
      void qc.invalidateQueries({ queryKey: contactKeys.all });
      void qc.invalidateQueries({ queryKey: contactKeys.imports });
      void qc.invalidateQueries({ queryKey: contactKeys.tags });
    }
  }, [status, qc]);
  if (job.isPending) return <Spinner />;
  if (job.isError) return <QueryError error={job.error} onRetry={() => job.refetch()} />;
  const j = job.data;
  const nf = new Intl.NumberFormat(i18n.language);
  const pct = j.status === "completed" ? 100 : percent(j.processed, j.total);
  const eta = importEta(j, now);
  return (
    <Card data-testid="import-progress">
      <CardHeader>
        <CardTitle>
          {j.status === "running"
            ? t("contacts.import.running", { file: j.filename })
            : j.status === "completed"
              ? t("contacts.import.completed", { file: j.filename })
              : t("contacts.import.failed", { file: j.filename })}
        </CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        <div>
          <div
            className="h-3 w-full overflow-hidden rounded-full bg-muted"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct}
            aria-label={t("contacts.import.progress")}
          >
            <div className="h-full rounded-full bg-primary transition-[width]" style={{ width: `${pct}%` }} />
          </div>
          <div className="mt-2 flex flex-wrap justify-between gap-2 text-sm text-muted-foreground">
            <span data-testid="import-processed">
              {t("contacts.import.processed", { processed: nf.format(j.processed), total: nf.format(j.total) })}
            </span>
            {j.status === "running" && (
              <span>{eta !== null ? t("contacts.import.eta", { time: formatEta(eta, i18n.language) }) : t("contacts.import.eta_unknown")}</span>
            )}
          </div>
        </div>
        <Counts job={j} />
        {j.status === "failed" && <Alert tone="danger">{j.error || t("contacts.import.failed_help")}</Alert>}
        {j.status === "completed" && (
          <Alert tone={j.rejected ? "warning" : "info"}>
            <div className="flex flex-col gap-2">
              <span>
                {j.rejected
                  ? t("contacts.import.report_rejected", { count: j.rejected, n: nf.format(j.rejected) })
                  : t("contacts.import.report_ok")}
              </span>
              {j.rejected > 0 && (
                <a className="font-medium underline" href={contactLinks.importReport(j.id)} download data-testid="import-report">
                  {t("contacts.import.download_report")}
                </a>
              )}
            </div>
          </Alert>
        )}
        {j.status !== "running" && (
          <div className="flex flex-col gap-2 sm:flex-row">
            <Button asChild>
              <Link to="/contacts">{t("contacts.import.see_contacts")}</Link>
            </Button>
            <Button variant="outline" onClick={onAgain}>
              {t("contacts.import.another")}
            </Button>
          </div>
        )}
      </CardContent>
    </Card>
  );
}

function RecentImports({ onOpen }: { onOpen: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const dates = useDates();
  const imports = useQuery(importsQuery);
  const nf = new Intl.NumberFormat(i18n.language);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("contacts.import.recent")}</CardTitle>
      </CardHeader>
      {imports.isPending && <Spinner />}
      {imports.isError && (
        <div className="p-4">
          <QueryError error={imports.error} onRetry={() => imports.refetch()} />
        </div>
      )}
      {imports.isSuccess && imports.data.data.length === 0 && (
        <EmptyState icon={<FileSpreadsheet className="h-6 w-6" aria-hidden />} title={t("contacts.import.no_recent")} />
      )}
      {imports.isSuccess && imports.data.data.length > 0 && (
        <ul className="divide-y divide-border" data-testid="recent-imports">
          {imports.data.data.map((j) => (
            <li key={j.id}>
              <button
                type="button"
                onClick={() => onOpen(j.id)}
                className="flex w-full flex-col gap-1 px-5 py-3 text-left hover:bg-muted sm:flex-row sm:items-center sm:justify-between"
              >
                <span className="flex min-w-0 items-center gap-2">
                  {j.status === "completed" ? (
                    <CheckCircle2 className="h-4 w-4 shrink-0 text-primary" aria-hidden />
                  ) : j.status === "failed" ? (
                    <FileWarning className="h-4 w-4 shrink-0 text-danger" aria-hidden />
                  ) : (
                    <Spinner className="p-0" />
                  )}
                  <span className="truncate font-medium">{j.filename}</span>
                  {j.status !== "completed" && (
                    <Badge tone={j.status === "failed" ? "danger" : "neutral"}>{t(`contacts.import.status.${j.status}`)}</Badge>
                  )}
                </span>
                <span className="text-xs text-muted-foreground">
                  {t("contacts.import.recent_line", {
                    created: nf.format(j.created),
                    updated: nf.format(j.updated),
                    skipped: nf.format(j.skipped),
                    rejected: nf.format(j.rejected),
                  })}{" "}
                  · {dates.dateTime(j.created_at)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function ImportPage() {
  const { t } = useTranslation();
  const me = useMe();
  if (!isAdmin(me.role)) {
    return (
      <Alert tone="info">
        {t("contacts.import.admin_only")}
      </Alert>
    );
  }
  return <ImportWizard />;
}

function ImportWizard() {
  const [params, setParams] = useSearchParams();
  const importId = params.get("import") ?? "";
  const [picked, setPicked] = useState<{ file: File; preview: ImportPreview } | null>(null);
  const showImport = (id: string) => {
    setPicked(null);
    setParams(id ? { import: id } : {}, { replace: false });
    window.scrollTo({ top: 0 });
  };
  return (
    <div className="flex flex-col gap-6">
      {importId ? (
        <Progress key={importId} id={importId} onAgain={() => showImport("")} />
      ) : picked ? (
        <MappingStep file={picked.file} preview={picked.preview} onStarted={showImport} onCancel={() => setPicked(null)} />
      ) : (
        <UploadStep onPreview={(file, preview) => setPicked({ file, preview })} />
      )}
      <RecentImports onOpen={showImport} />
    </div>
  );
}
