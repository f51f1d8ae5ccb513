import { useId, useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { MessageSquareText, Pencil, Trash2 } from "lucide-react";
import { cannedQuery, inboxApi, inboxKeys, type Canned } from "../conversations/api";
import { CANNED_VARIABLES, cannedVariables } from "../conversations/logic";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Field, FieldError } from "../../components/ui/field";
import { Input, Label, Textarea } from "../../components/ui/input";
import { Alert } from "../../components/ui/alert";
import { Dialog, DialogContent } from "../../components/ui/dialog";
import { EmptyState, PageHeader, Spinner } from "../../components/ui/misc";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";

function CannedForm({ item, onDone }: { item?: Canned; onDone: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const textId = useId();
  const helpId = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  const [shortcut, setShortcut] = useState(item?.shortcut ?? "");
  const [text, setText] = useState(item?.text ?? "");
  const save = useMutation({
    mutationFn: () => {
      const body = { shortcut: shortcut.trim().replace(/^\//, ""), text };
      return item ? inboxApi.updateCanned(item.id, body) : inboxApi.createCanned(body);
    },
    meta: { inline: true },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: inboxKeys.cannedAll });
      toast(item ? t("common.saved") : t("canned.created", { shortcut: shortcut.trim() }));
      setShortcut("");
      setText("");
      onDone();
    },
  });
  const errors = useFormErrors(save.error);
  const vars = cannedVariables(text);
  function insert(v: string) {
    const el = box.current;
    const token = `{{${v}}}`;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    setText(text.slice(0, start) + token + text.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      const at = v.includes("<") ? start + token.indexOf("<") : start + token.length;
      el?.setSelectionRange(at, v.includes("<") ? at + "<campo>".length : at);
    });
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
      <Field
        label={t("canned.shortcut")}
        hint={t("canned.shortcut_help")}
        value={shortcut}
        onChange={(e) => setShortcut(e.target.value.replace(/\s/g, "-"))}
        error={errors.fields.shortcut}
        placeholder="horario"
        required
      />
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={textId}>{t("canned.text")}</Label>
        <Textarea
          id={textId}
          ref={box}
          rows={4}
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-describedby={helpId}
          aria-invalid={errors.fields.text ? true : undefined}
          placeholder={t("canned.text_example")}
        />
        <FieldError>{errors.fields.text}</FieldError>
        <div id={helpId} className="flex flex-col gap-1.5 text-xs text-muted-foreground">
          <p>{t("canned.variables_help")}</p>
          <div className="flex flex-wrap gap-1" data-testid="canned-variables">
            {CANNED_VARIABLES.map((v) => (
              <button
                key={v}
                type="button"
                onClick={() => insert(v)}
                className="rounded-md border border-border bg-muted px-1.5 py-0.5 font-mono text-[11px] hover:bg-border"
                title={t(`canned.var.${v.replace(/[.<>]/g, "_")}`)}
              >
                {`{{${v}}}`}
              </button>
            ))}
          </div>
          {vars.unknown.length > 0 && (
            <p className="text-danger" role="alert">
              {t("canned.unknown_vars", { vars: vars.unknown.map((v) => `{{${v}}}`).join(", ") })}
            </p>
          )}
        </div>
      </div>
      {errors.form && <Alert tone="danger">{errors.form}</Alert>}
      <div>
        <Button type="submit" disabled={save.isPending || !shortcut.trim() || !text.trim()}>
          {item ? t("common.save") : t("canned.create")}
        </Button>
      </div>
    </form>
  );
}

function CannedRow({ item }: { item: Canned }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const remove = useMutation({
    mutationFn: () => inboxApi.removeCanned(item.id),
    onSettled: () => setConfirm(false),
    onSuccess: () => void qc.invalidateQueries({ queryKey: inboxKeys.cannedAll }),
  });
  return (
    <li className="flex items-start justify-between gap-3 px-5 py-3" data-testid="canned-row">
      <div className="min-w-0">
        <p className="font-mono text-sm text-primary">/{item.shortcut}</p>
        <p className="text-sm whitespace-pre-wrap text-muted-foreground">{item.text}</p>
      </div>
      <div className="flex shrink-0 gap-1">
        <Button variant="ghost" size="sm" onClick={() => setEditing(true)} title={t("canned.edit")}>
          <Pencil className="h-4 w-4" aria-hidden />
          <span className="sr-only">{t("canned.edit")}</span>
        </Button>
        <Button variant="ghost" size="sm" onClick={() => setConfirm(true)} title={t("canned.delete")}>
          <Trash2 className="h-4 w-4 text-danger" aria-hidden />
          <span className="sr-only">{t("canned.delete")}</span>
        </Button>
      </div>
      <Dialog open={editing} onOpenChange={setEditing}>
        <DialogContent title={t("canned.edit_title", { shortcut: item.shortcut })}>
          {editing && <CannedForm item={item} onDone={() => setEditing(false)} />}
        </DialogContent>
      </Dialog>
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={t("canned.delete_title", { shortcut: item.shortcut })}
        description={t("canned.delete_help")}
        confirmLabel={t("canned.delete")}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
      />
    </li>
  );
}

/** Respostas rápidas: texts an agent inserts by typing "/" and the shortcut in the composer. */
export function CannedPage() {
  const { t } = useTranslation();
  const [q, setQ] = useState("");
  const list = useQuery(cannedQuery(q.trim()));
  return (
    <div className="flex flex-col gap-6">
      <PageHeader title={t("settings.nav.canned")} description={t("canned.help")} />
      <Card>
        <CardHeader>
          <CardTitle>{t("canned.new")}</CardTitle>
          <CardDescription>{t("canned.new_help")}</CardDescription>
        </CardHeader>
        <CardContent>
          <CannedForm onDone={() => {}} />
        </CardContent>
      </Card>
      <Card>
        <div className="border-b border-border p-3">
          <Input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t("canned.search")} aria-label={t("canned.search")} />
        </div>
        {list.isPending && <Spinner />}
        {list.isError && (
          <div className="p-4">
            <QueryError error={list.error} onRetry={() => list.refetch()} />
          </div>
        )}
        {list.isSuccess && list.data.data.length === 0 && (
          <EmptyState icon={<MessageSquareText className="h-6 w-6" aria-hidden />} title={q ? t("canned.none_found") : t("canned.empty")}>
            {q ? null : t("canned.empty_help")}
          </EmptyState>
        )}
        {list.isSuccess && list.data.data.length > 0 && (
          <ul className="divide-y divide-border">
            {list.data.data.map((x) => (
              <CannedRow key={x.id} item={x} />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
