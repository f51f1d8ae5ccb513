import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Pencil, Tag as TagIcon, Trash2 } from "lucide-react";
import { inboxApi, inboxKeys, labelsQuery, type Label as InboxLabel } from "../conversations/api";
import { LabelChip } from "../conversations/parts";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Field, FieldError } from "../../components/ui/field";
import { Label } from "../../components/ui/input";
import { Alert } from "../../components/ui/alert";
import { Dialog, DialogContent } from "../../components/ui/dialog";
import { EmptyState, PageHeader, Spinner } from "../../components/ui/misc";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";

const COLORS = ["#16a34a", "#2563eb", "#9333ea", "#db2777", "#ea580c", "#ca8a04", "#0891b2", "#525252"];

function LabelForm({ label, onDone }: { label?: InboxLabel; onDone: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const colorId = useId();
  const [name, setName] = useState(label?.name ?? "");
  const [color, setColor] = useState(label?.color || COLORS[0]);
  const save = useMutation({
    mutationFn: () => (label ? inboxApi.updateLabel(label.id, { name: name.trim(), color }) : inboxApi.createLabel({ name: name.trim(), color })),
    meta: { inline: true },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: inboxKeys.labels });
      void qc.invalidateQueries({ queryKey: ["conversations"] });
      toast(label ? t("common.saved") : t("labels.created", { name: name.trim() }));
      setName("");
      onDone();
    },
  });
  const errors = useFormErrors(save.error);
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} className="flex flex-col gap-4 sm:flex-row sm:items-start" noValidate>
      <div className="flex-1">
        <Field label={t("labels.name")} value={name} onChange={(e) => setName(e.target.value)} error={errors.fields.name} required />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={colorId}>{t("labels.color")}</Label>
        <div className="flex flex-wrap items-center gap-1.5" role="radiogroup" aria-label={t("labels.color")}>
          {COLORS.map((c) => (
            <button
              key={c}
              type="button"
              role="radio"
              aria-checked={color === c}
              aria-label={c}
              onClick={() => setColor(c)}
              className={`h-7 w-7 cursor-pointer rounded-full border-2 ${color === c ? "border-foreground" : "border-transparent"}`}
              style={{ background: c }}
            />
          ))}
          <input
            id={colorId}
            type="color"
            value={color}
            onChange={(e) => setColor(e.target.value)}
            className="h-8 w-10 shrink-0 cursor-pointer rounded-md border border-input bg-background p-0.5"
          />
        </div>
        <FieldError>{errors.fields.color}</FieldError>
      </div>
      <div className="sm:pt-6">
        <Button type="submit" disabled={save.isPending || !name.trim()}>
          {label ? t("common.save") : t("labels.create")}
        </Button>
      </div>
      {errors.form && <Alert tone="danger">{errors.form}</Alert>}
    </form>
  );
}

function LabelRow({ label }: { label: InboxLabel }) {
  const { t } = useTranslation();
  const admin = isAdmin(useMe().role);
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const remove = useMutation({
    mutationFn: () => inboxApi.removeLabel(label.id),
    onSettled: () => setConfirm(false),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: inboxKeys.labels });
      void qc.invalidateQueries({ queryKey: ["conversations"] });
    },
  });
  return (
    <li className="flex items-center justify-between gap-3 px-5 py-3" data-testid="label-row">
      <div className="flex min-w-0 items-center gap-3">
        <LabelChip label={label} />
        <Link to={`/inbox?tab=all&status=all&label=${encodeURIComponent(label.id)}`} className="text-sm text-muted-foreground hover:underline">
          {t("labels.see_conversations")}
        </Link>
      </div>
      <div className="flex gap-1">
        <Button variant="ghost" size="sm" onClick={() => setEditing(true)} title={t("labels.edit")}>
          <Pencil className="h-4 w-4" aria-hidden />
          <span className="sr-only">{t("labels.edit")}</span>
        </Button>
        {admin && (
          <Button variant="ghost" size="sm" onClick={() => setConfirm(true)} title={t("labels.delete")}>
            <Trash2 className="h-4 w-4 text-danger" aria-hidden />
            <span className="sr-only">{t("labels.delete")}</span>
          </Button>
        )}
      </div>
      <Dialog open={editing} onOpenChange={setEditing}>
        <DialogContent title={t("labels.edit_title", { name: label.name })}>
          {editing && <LabelForm label={label} onDone={() => setEditing(false)} />}
        </DialogContent>
      </Dialog>
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={t("labels.delete_title", { name: label.name })}
        description={t("labels.delete_help")}
        confirmLabel={t("labels.delete")}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
      />
    </li>
  );
}

/** Etiquetas: coloured labels that sort conversations (not contacts: those have tags). */
export function LabelsPage() {
  const { t } = useTranslation();
  const labels = useQuery(labelsQuery);
  return (
    <div className="flex flex-col gap-6">
      <PageHeader title={t("settings.nav.labels")} description={t("labels.help")} />
      <Card>
        <CardHeader>
          <CardTitle>{t("labels.new")}</CardTitle>
          <CardDescription>{t("labels.new_help")}</CardDescription>
        </CardHeader>
        <CardContent>
          <LabelForm onDone={() => {}} />
        </CardContent>
      </Card>
      <Card>
        {labels.isPending && <Spinner />}
        {labels.isError && (
          <div className="p-4">
            <QueryError error={labels.error} onRetry={() => labels.refetch()} />
          </div>
        )}
        {labels.isSuccess && labels.data.data.length === 0 && (
          <EmptyState icon={<TagIcon className="h-6 w-6" aria-hidden />} title={t("labels.empty")}>
            {t("labels.empty_help")}
          </EmptyState>
        )}
        {labels.isSuccess && labels.data.data.length > 0 && (
          <ul className="divide-y divide-border">
            {labels.data.data.map((x) => (
              <LabelRow key={x.id} label={x} />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
