import { useId, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ListPlus, Pencil, Plus, Trash2 } from "lucide-react";
import { contactKeys, contactsApi, fieldsQuery, type FieldDef } from "../contacts/api";
import type { FieldType } from "../contacts/filters";
import { Card } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Field, FieldError } from "../../components/ui/field";
import { Label, Select } from "../../components/ui/input";
import { ChipsInput } from "../../components/ui/chips-input";
import { Alert } from "../../components/ui/alert";
import { Badge } from "../../components/ui/badge";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { EmptyState, PageHeader, Spinner } from "../../components/ui/misc";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";

const TYPES: FieldType[] = ["text", "number", "date", "boolean", "choice"];

/** A field key from its label: "Cidade natal" → "cidade_natal". */
export function keyFromLabel(label: string): string {
  return label
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 40);
}

function FieldForm({ def, onDone }: { def?: FieldDef; onDone: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const typeId = useId();
  const choicesId = useId();
  const [label, setLabel] = useState(def?.label ?? "");
  const [key, setKey] = useState(def?.key ?? "");
  const [keyTouched, setKeyTouched] = useState(Boolean(def));
  const [type, setType] = useState<FieldType>(def?.type ?? "text");
  const [choices, setChoices] = useState<string[]>(def?.choices ?? []);
  const save = useMutation({
    mutationFn: () =>
      def
        ? contactsApi.updateField(def.id, { label: label.trim(), choices })
        : contactsApi.createField({ key: key.trim(), label: label.trim(), type, choices: type === "choice" ? choices : [] }),
    meta: { inline: true },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: contactKeys.fields });
      toast(def ? t("common.saved") : t("fields.created", { name: label.trim() }));
      onDone();
    },
  });
  const errors = useFormErrors(save.error);
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
      <Field
        label={t("fields.label")}
        value={label}
        onChange={(e) => {
          setLabel(e.target.value);
          if (!keyTouched) setKey(keyFromLabel(e.target.value));
        }}
        error={errors.fields.label}
        required
      />
      <Field
        label={t("fields.key")}
        hint={def ? t("fields.key_fixed") : t("fields.key_help")}
        value={key}
        onChange={(e) => {
          setKeyTouched(true);
          setKey(e.target.value);
        }}
        error={errors.fields.key}
        disabled={Boolean(def)}
        className="font-mono"
        required
      />
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={typeId}>{t("fields.type")}</Label>
        <Select id={typeId} value={type} onChange={(e) => setType(e.target.value as FieldType)} disabled={Boolean(def)}>
          {TYPES.map((x) => (
            <option key={x} value={x}>
              {t(`fields.types.${x}`)}
            </option>
          ))}
        </Select>
        <FieldError>{errors.fields.type}</FieldError>
      </div>
      {type === "choice" && (
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={choicesId}>{t("fields.choices")}</Label>
          <ChipsInput id={choicesId} value={choices} onChange={setChoices} prompt={t("fields.choices_prompt")} invalid={Boolean(errors.fields.choices)} />
          <FieldError>{errors.fields.choices}</FieldError>
        </div>
      )}
      {errors.form && <Alert tone="danger">{errors.form}</Alert>}
      <DialogFooter>
        <Button variant="outline" onClick={onDone}>
          {t("common.cancel")}
        </Button>
        <Button type="submit" disabled={save.isPending}>
          {def ? t("common.save") : t("fields.create")}
        </Button>
      </DialogFooter>
    </form>
  );
}

function FieldRow({ def }: { def: FieldDef }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const remove = useMutation({
    mutationFn: () => contactsApi.removeField(def.id),
    onSettled: () => setConfirm(false),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: contactKeys.fields });
      void qc.invalidateQueries({ queryKey: contactKeys.all });
    },
  });
  return (
    <li className="flex items-center justify-between gap-3 px-5 py-3" data-testid="field-row">
      <div className="min-w-0">
        <div className="flex flex-wrap items-center gap-2">
          <span className="font-medium">{def.label}</span>
          <Badge>{t(`fields.types.${def.type}`)}</Badge>
        </div>
        <p className="truncate font-mono text-xs text-muted-foreground">
          {def.key}
          {def.type === "choice" && def.choices.length > 0 && <span className="font-sans"> · {def.choices.join(", ")}</span>}
        </p>
      </div>
      <div className="flex gap-1">
        <Button variant="ghost" size="sm" onClick={() => setEditing(true)} title={t("fields.edit")}>
          <Pencil className="h-4 w-4" aria-hidden />
          <span className="sr-only">{t("fields.edit")}</span>
        </Button>
        <Button variant="ghost" size="sm" onClick={() => setConfirm(true)} title={t("fields.delete")}>
          <Trash2 className="h-4 w-4 text-danger" aria-hidden />
          <span className="sr-only">{t("fields.delete")}</span>
        </Button>
      </div>
      <Dialog open={editing} onOpenChange={setEditing}>
        <DialogContent title={t("fields.edit_title", { name: def.label })}>
          {editing && <FieldForm def={def} onDone={() => setEditing(false)} />}
        </DialogContent>
      </Dialog>
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={t("fields.delete_title", { name: def.label })}
        description={t("fields.delete_help")}
        confirmLabel={t("fields.delete")}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
      />
    </li>
  );
}

export function FieldsPage() {
  const { t } = useTranslation();
  const defs = useQuery(fieldsQuery);
  const [creating, setCreating] = useState(false);
  return (
    <div>
      <PageHeader
        title={t("settings.nav.fields")}
        description={t("fields.help")}
        actions={
          <Button onClick={() => setCreating(true)}>
            <Plus className="h-4 w-4" aria-hidden />
            {t("fields.new")}
          </Button>
        }
      />
      <Card>
        {defs.isPending && <Spinner />}
        {defs.isError && (
          <div className="p-4">
            <QueryError error={defs.error} onRetry={() => defs.refetch()} />
          </div>
        )}
        {defs.isSuccess && defs.data.data.length === 0 && (
          <EmptyState icon={<ListPlus className="h-6 w-6" aria-hidden />} title={t("fields.empty")}>
            {t("fields.empty_help")}
          </EmptyState>
        )}
        {defs.isSuccess && defs.data.data.length > 0 && (
          <ul className="divide-y divide-border">
            {defs.data.data.map((d) => (
              <FieldRow key={d.id} def={d} />
            ))}
          </ul>
        )}
      </Card>
      <Dialog open={creating} onOpenChange={setCreating}>
        <DialogContent title={t("fields.new")} description={t("fields.new_help")}>
          {creating && <FieldForm onDone={() => setCreating(false)} />}
        </DialogContent>
      </Dialog>
    </div>
  );
}
