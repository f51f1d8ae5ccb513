import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Pencil, Tags, Trash2 } from "lucide-react";
import { contactKeys, contactsApi, tagsQuery, type Tag } from "../contacts/api";
import { TagChip } from "../contacts/parts";
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

function TagForm({ tag, onDone }: { tag?: Tag; onDone: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const colorId = useId();
  const [name, setName] = useState(tag?.name ?? "");
  const [color, setColor] = useState(tag?.color || COLORS[0]);
  const save = useMutation({
    mutationFn: () => (tag ? contactsApi.updateTag(tag.id, { name: name.trim(), color }) : contactsApi.createTag({ name: name.trim(), color })),
    meta: { inline: true },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: contactKeys.tags });
      void qc.invalidateQueries({ queryKey: contactKeys.all });
      toast(tag ? t("common.saved") : t("tags.created", { name: name.trim() }));
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
        <Field label={t("tags.name")} value={name} onChange={(e) => setName(e.target.value)} error={errors.fields.name} required />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={colorId}>{t("tags.color")}</Label>
        <div className="flex flex-wrap items-center gap-1.5" role="radiogroup" aria-label={t("tags.color")}>
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
          {tag ? t("common.save") : t("tags.create")}
        </Button>
      </div>
      {errors.form && <Alert tone="danger">{errors.form}</Alert>}
    </form>
  );
}

function TagRow({ tag }: { tag: Tag }) {
  const { t, i18n } = useTranslation();
  const admin = isAdmin(useMe().role);
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const remove = useMutation({
    mutationFn: () => contactsApi.removeTag(tag.id),
    onSettled: () => setConfirm(false),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: contactKeys.tags });
      void qc.invalidateQueries({ queryKey: contactKeys.all });
    },
  });
  const n = tag.contacts ?? 0;
  return (
    <li className="flex items-center justify-between gap-3 px-5 py-3" data-testid="tag-row">
      <div className="flex min-w-0 flex-col gap-1 sm:flex-row sm:items-center sm:gap-3">
        <TagChip tag={tag} />
        <Link to={`/contacts?tag=${encodeURIComponent(tag.id)}`} className="text-sm text-muted-foreground hover:underline">
          {t("contacts.list.count", { count: n, n: new Intl.NumberFormat(i18n.language).format(n) })}
        </Link>
      </div>
      <div className="flex gap-1">
        <Button variant="ghost" size="sm" onClick={() => setEditing(true)} title={t("tags.edit")}>
          <Pencil className="h-4 w-4" aria-hidden />
          <span className="sr-only">{t("tags.edit")}</span>
        </Button>
        {admin && (
          <Button variant="ghost" size="sm" onClick={() => setConfirm(true)} title={t("tags.delete")}>
            <Trash2 className="h-4 w-4 text-danger" aria-hidden />
            <span className="sr-only">{t("tags.delete")}</span>
          </Button>
        )}
      </div>
      <Dialog open={editing} onOpenChange={setEditing}>
        <DialogContent title={t("tags.edit_title", { name: tag.name })}>
          {editing && <TagForm tag={tag} onDone={() => setEditing(false)} />}
        </DialogContent>
      </Dialog>
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={t("tags.delete_title", { name: tag.name })}
        description={t("tags.delete_help")}
        confirmLabel={t("tags.delete")}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
      />
    </li>
  );
}

export function TagsPage() {
  const { t } = useTranslation();
  const tags = useQuery(tagsQuery);
  return (
    <div className="flex flex-col gap-6">
      <PageHeader title={t("settings.nav.tags")} description={t("tags.help")} />
      <Card>
        <CardHeader>
          <CardTitle>{t("tags.new")}</CardTitle>
          <CardDescription>{t("tags.new_help")}</CardDescription>
        </CardHeader>
        <CardContent>
          <TagForm onDone={() => {}} />
        </CardContent>
      </Card>
      <Card>
        {tags.isPending && <Spinner />}
        {tags.isError && (
          <div className="p-4">
            <QueryError error={tags.error} onRetry={() => tags.refetch()} />
          </div>
        )}
        {tags.isSuccess && tags.data.data.length === 0 && (
          <EmptyState icon={<Tags className="h-6 w-6" aria-hidden />} title={t("tags.empty")}>
            {t("tags.empty_help")}
          </EmptyState>
        )}
        {tags.isSuccess && tags.data.data.length > 0 && (
          <ul className="divide-y divide-border">
            {tags.data.data.map((x) => (
              <TagRow key={x.id} tag={x} />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
