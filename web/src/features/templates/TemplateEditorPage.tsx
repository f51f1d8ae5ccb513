import { useRef, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ArrowLeft, Plus, Trash2, Upload } from "lucide-react";
import { templateKeys, templatesApi, templatesQuery } from "./api";
import {
  emptyDraft,
  fieldFor,
  fromComponents,
  newButton,
  toComponents,
  variables,
  type Built,
  type ButtonType,
  type Draft,
  type HeaderFormat,
} from "./components";
import { TemplatePreview } from "./TemplatePreview";
import { StatusBadge } from "./TemplatesPage";
import { connectionQuery } from "../connections/api";
import { Card, CardContent, CardHeader, CardTitle } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Field, FieldError } from "../../components/ui/field";
import { Label, Select, Textarea } from "../../components/ui/input";
import { Alert } from "../../components/ui/alert";
import { Spinner } from "../../components/ui/misc";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { isApiError } from "../../lib/api";
import { errorMessage, fieldErrors } from "../../lib/errors";
import { useTitle } from "../../lib/useTitle";

export const LANGUAGES = ["pt_BR", "en_US", "en", "es", "es_MX", "es_AR", "pt_PT"];
const CATEGORIES = ["UTILITY", "MARKETING", "AUTHENTICATION"];
const FORMATS: HeaderFormat[] = ["NONE", "TEXT", "IMAGE", "VIDEO", "DOCUMENT"];
const BUTTONS: ButtonType[] = ["QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE"];
const ACCEPT: Record<string, string> = { IMAGE: "image/jpeg,image/png", VIDEO: "video/mp4", DOCUMENT: "application/pdf" };

function Editor({ connectionId, initial, templateId }: { connectionId: string; initial: Draft; templateId?: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const toast = useToast();
  const editing = Boolean(templateId);
  const [d, setD] = useState<Draft>(initial);
  const [mediaName, setMediaName] = useState("");
  const built = useRef<Built | null>(null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const bodyRef = useRef<HTMLTextAreaElement>(null);

  const upload = useMutation({
    mutationFn: (f: File) => templatesApi.uploadSample(connectionId, f),
    meta: { inline: true },
    onSuccess: (r) => set("headerHandle", r.handle),
  });
  const save = useMutation({
    mutationFn: () => {
      const b = toComponents(d);
      built.current = b;
      const body = { category: d.category, components: b.components };
      return editing
        ? templatesApi.update(connectionId, templateId!, body)
        : templatesApi.create(connectionId, { ...body, name: d.name, language: d.language });
    },
    meta: { inline: true },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: templateKeys.list(connectionId) });
      toast(t("templates.submitted"));
      navigate(`/templates?connection=${connectionId}`);
    },
  });

  // Server errors, mapped back onto the editor's inputs.
  const errs: Record<string, string> = {};
  const loose: string[] = [];
  let provider = "";
  if (save.error) {
    const byPath = fieldErrors(t, save.error);
    for (const [path, msg] of Object.entries(byPath)) {
      const key = built.current ? fieldFor(path, built.current.index) : path;
      if (key) errs[key] = msg;
      else loose.push(msg);
    }
    if (isApiError(save.error) && save.error.code === "rejected_by_provider") provider = save.error.message;
    else if (!Object.keys(byPath).length) loose.push(errorMessage(t, save.error));
  }
  const uploadError = upload.error ? fieldErrors(t, upload.error).file || errorMessage(t, upload.error) : "";

  const bodyVars = variables(d.body);
  const headerVar = variables(d.headerText).names[0];

  function addVariable() {
    const n = bodyVars.positional || bodyVars.names.length === 0 ? String(bodyVars.names.length + 1) : `var${bodyVars.names.length + 1}`;
    const el = bodyRef.current;
    const at = el?.selectionStart ?? d.body.length;
    set("body", `${d.body.slice(0, at)}{{${n}}}${d.body.slice(at)}`);
  }
  function setButton(i: number, patch: Partial<Draft["buttons"][number]>) {
    setD((x) => ({ ...x, buttons: x.buttons.map((b, j) => (j === i ? { ...b, ...patch } : b)) }));
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }

  return (
    // On a phone the preview sits between the form and its buttons, so it is
    // seen before sending; on a wide screen it stays beside the form.
    <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_18rem] lg:gap-x-6">
      <form id="template-form" onSubmit={submit} className="flex flex-col gap-4" noValidate data-testid="template-form">
        {provider && (
          <Alert tone="danger">
            <p className="font-medium">{t("templates.meta_refused")}</p>
            <p className="mt-1">{provider}</p>
          </Alert>
        )}
        {loose.length > 0 && <Alert tone="danger">{loose.join(" ")}</Alert>}
        <Card>
          <CardContent className="flex flex-col gap-4 pt-5">
            <Field
              label={t("templates.name")}
              value={d.name}
              onChange={(e) => set("name", e.target.value.toLowerCase().replace(/[\s-]+/g, "_"))}
              error={errs.name}
              hint={t("templates.name_hint")}
              disabled={editing}
              required
            />
            <div className="grid gap-4 sm:grid-cols-2">
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="tpl-language">{t("templates.language_label")}</Label>
                <Select id="tpl-language" value={d.language} onChange={(e) => set("language", e.target.value)} disabled={editing}>
                  {(LANGUAGES.includes(d.language) ? LANGUAGES : [d.language, ...LANGUAGES]).map((l) => (
                    <option key={l} value={l}>
                      {t(`templates.language.${l}`, { defaultValue: l })}
                    </option>
                  ))}
                </Select>
                <FieldError>{errs.language}</FieldError>
              </div>
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="tpl-category">{t("templates.category_label")}</Label>
                <Select id="tpl-category" value={d.category} onChange={(e) => set("category", e.target.value)}>
                  {CATEGORIES.map((c) => (
                    <option key={c} value={c}>
                      {t(`templates.category.${c}`)}
                    </option>
                  ))}
                </Select>
                {errs.category ? (
                  <FieldError>{errs.category}</FieldError>
                ) : (
                  <p className="text-xs text-muted-foreground">{t(`templates.category_help.${d.category}`, { defaultValue: "" })}</p>
                )}
              </div>
            </div>
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>{t("templates.header")}</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-4">
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="tpl-header">{t("templates.header_kind")}</Label>
              <Select
                id="tpl-header"
                value={d.headerFormat}
                onChange={(e) => {
                  set("headerFormat", e.target.value as HeaderFormat);
                  set("headerHandle", "");
                  setMediaName("");
                }}
              >
                {FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {t(`templates.header_format.${f}`)}
                  </option>
                ))}
              </Select>
              <FieldError>{errs.header_format}</FieldError>
            </div>
            {d.headerFormat === "TEXT" && (
              <>
                <Field
                  label={t("templates.header_text")}
                  value={d.headerText}
                  onChange={(e) => set("headerText", e.target.value)}
                  error={errs.header_text}
                  hint={t("templates.header_text_hint")}
                  maxLength={60}
                />
                {headerVar && (
                  <Field
                    label={t("templates.example_for", { name: `{{${headerVar}}}` })}
                    value={d.headerExample}
                    onChange={(e) => set("headerExample", e.target.value)}
                    error={errs.header_example}
                  />
                )}
              </>
            )}
            {d.headerFormat !== "NONE" && d.headerFormat !== "TEXT" && (
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="tpl-sample">{t("templates.sample")}</Label>
                <p className="text-xs text-muted-foreground">{t("templates.sample_help")}</p>
                <label className="flex cursor-pointer items-center gap-2 self-start rounded-md border border-input px-3 py-2 text-sm hover:bg-muted has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-ring">
                  <Upload className="h-4 w-4" aria-hidden />
                  {upload.isPending ? t("templates.uploading") : t("templates.choose_file")}
                  <input
                    id="tpl-sample"
                    type="file"
                    className="sr-only"
                    accept={ACCEPT[d.headerFormat]}
                    onChange={(e) => {
                      const f = e.target.files?.[0];
                      if (f) {
                        setMediaName(f.name);
                        upload.mutate(f);
                      }
                    }}
                  />
                </label>
                {d.headerHandle && !upload.isPending && (
                  <p className="text-xs text-muted-foreground" data-testid="sample-ok">
                    {t("templates.sample_ok", { name: mediaName || t("templates.sample_previous") })}
                  </p>
                )}
                <FieldError>{uploadError || errs.header_example}</FieldError>
              </div>
            )}
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>{t("templates.body")}</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-4">
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="tpl-body">{t("templates.body_label")}</Label>
              <Textarea
                id="tpl-body"
                ref={bodyRef}
                rows={5}
                value={d.body}
                onChange={(e) => set("body", e.target.value)}
                aria-invalid={errs.body ? true : undefined}
                aria-describedby="tpl-body-help"
                maxLength={1024}
              />
              {errs.body ? (
                <FieldError id="tpl-body-help">{errs.body}</FieldError>
              ) : (
                <p id="tpl-body-help" className="text-xs text-muted-foreground">
                  {t("templates.body_hint")}
                </p>
              )}
              <Button variant="outline" size="sm" className="self-start" onClick={addVariable}>
                <Plus className="h-4 w-4" aria-hidden />
                {t("templates.add_variable")}
              </Button>
            </div>
            {bodyVars.names.length > 0 && (
              <div className="flex flex-col gap-3 rounded-md bg-muted p-3">
                <p className="text-sm">{t("templates.examples_help")}</p>
                <div className="grid gap-3 sm:grid-cols-2">
                  {bodyVars.names.map((n) => (
                    <Field
                      key={n}
                      label={t("templates.example_for", { name: `{{${n}}}` })}
                      value={d.examples[n] ?? ""}
                      onChange={(e) => set("examples", { ...d.examples, [n]: e.target.value })}
                    />
                  ))}
                </div>
                <FieldError>{errs.body_example}</FieldError>
              </div>
            )}
            <Field
              label={t("templates.footer")}
              value={d.footer}
              onChange={(e) => set("footer", e.target.value)}
              error={errs.footer}
              hint={t("templates.footer_hint")}
              maxLength={60}
            />
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>{t("templates.buttons")}</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-4">
            {d.buttons.length === 0 && <p className="text-sm text-muted-foreground">{t("templates.buttons_help")}</p>}
            {d.buttons.map((b, i) => (
              <fieldset key={i} className="flex flex-col gap-3 rounded-md border border-border p-3" data-testid="template-button">
                <div className="flex items-center justify-between gap-2">
                  <legend className="text-sm font-medium">{t(`templates.button_type.${b.type}`)}</legend>
                  <Button
                    variant="ghost"
                    size="sm"
                    onClick={() => set("buttons", d.buttons.filter((_, j) => j !== i))}
                    aria-label={t("templates.remove_button", { n: i + 1 })}
                  >
                    <Trash2 className="h-4 w-4" aria-hidden />
                  </Button>
                </div>
                {b.type !== "COPY_CODE" && (
                  <Field
                    label={t("templates.button_text")}
                    value={b.text}
                    maxLength={25}
                    onChange={(e) => setButton(i, { text: e.target.value })}
                    error={errs[`button.${i}.text`]}
                  />
                )}
                {b.type === "URL" && (
                  <>
                    <Field
                      label={t("templates.button_url")}
                      type="url"
                      value={b.url}
                      placeholder="https://"
                      onChange={(e) => setButton(i, { url: e.target.value })}
                      error={errs[`button.${i}.url`]}
                      hint={t("templates.button_url_hint")}
                    />
                    {b.url.includes("{{") && (
                      <Field
                        label={t("templates.example_for", { name: "{{1}}" })}
                        value={b.example}
                        onChange={(e) => setButton(i, { example: e.target.value })}
                        error={errs[`button.${i}.example`]}
                      />
                    )}
                  </>
                )}
                {b.type === "PHONE_NUMBER" && (
                  <Field
                    label={t("templates.button_phone")}
                    inputMode="tel"
                    value={b.phone_number}
                    placeholder="+5511987654321"
                    onChange={(e) => setButton(i, { phone_number: e.target.value.replace(/[^\d+]/g, "") })}
                    error={errs[`button.${i}.phone_number`]}
                  />
                )}
                {b.type === "COPY_CODE" && (
                  <Field
                    label={t("templates.button_code")}
                    value={b.example}
                    onChange={(e) => setButton(i, { example: e.target.value })}
                    error={errs[`button.${i}.example`]}
                    hint={t("templates.button_code_hint")}
                  />
                )}
                <FieldError>{errs[`button.${i}.type`]}</FieldError>
              </fieldset>
            ))}
            <FieldError>{errs.buttons}</FieldError>
            {d.buttons.length < 10 && (
              <div className="flex flex-wrap gap-2">
                {BUTTONS.map((type) => (
                  <Button key={type} variant="outline" size="sm" onClick={() => set("buttons", [...d.buttons, newButton(type)])}>
                    <Plus className="h-4 w-4" aria-hidden />
                    {t(`templates.button_type.${type}`)}
                  </Button>
                ))}
              </div>
            )}
          </CardContent>
        </Card>

      </form>
      <div className="lg:sticky lg:top-6 lg:col-start-2 lg:row-span-2 lg:row-start-1 lg:self-start">
        <TemplatePreview d={d} mediaName={mediaName} />
        <p className="mt-2 text-xs text-muted-foreground">{t("templates.preview_help")}</p>
      </div>
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end lg:col-start-1">
        <Button variant="outline" asChild>
          <Link to={`/templates?connection=${connectionId}`}>{t("common.cancel")}</Link>
        </Button>
        <Button type="submit" form="template-form" disabled={save.isPending || upload.isPending}>
          {t(editing ? "templates.save_submit" : "templates.submit")}
        </Button>
      </div>
    </div>
  );
}

export function TemplateEditorPage() {
  const { t } = useTranslation();
  const { id } = useParams();
  const [params] = useSearchParams();
  const connectionId = params.get("connection") ?? "";
  const conn = useQuery({ ...connectionQuery(connectionId), enabled: Boolean(connectionId) });
  const list = useQuery({ ...templatesQuery(connectionId), enabled: Boolean(id && connectionId) });
  const tpl = id ? list.data?.data.find((x) => x.id === id) : undefined;
  const title = id ? t("templates.edit_title") : t("templates.new");
  useTitle(title);
  return (
    <div className="flex flex-col gap-4">
      <Link
        to={`/templates?connection=${connectionId}`}
        className="inline-flex items-center gap-1 self-start text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="h-4 w-4" aria-hidden />
        {t("nav.templates")}
      </Link>
      <div>
        <h1 className="flex flex-wrap items-center gap-2 text-2xl font-semibold tracking-tight">
          {title}
          {tpl && <StatusBadge status={tpl.status} />}
        </h1>
        <p className="mt-1 text-sm text-muted-foreground">
          {conn.data ? t("templates.editor_help", { connection: conn.data.name }) : t("templates.help")}
        </p>
      </div>
      {!connectionId && <Alert tone="warning">{t("templates.pick_connection")}</Alert>}
      {conn.isError && <QueryError error={conn.error} onRetry={() => conn.refetch()} />}
      {id && list.isPending && <Spinner />}
      {list.isError && <QueryError error={list.error} onRetry={() => list.refetch()} />}
      {id && list.data && !tpl && <Alert tone="warning">{t("templates.not_found")}</Alert>}
      {conn.data && (!id || tpl) && (
        <Editor key={tpl?.id ?? "new"} connectionId={connectionId} templateId={tpl?.id} initial={tpl ? fromComponents(tpl) : emptyDraft()} />
      )}
    </div>
  );
}
