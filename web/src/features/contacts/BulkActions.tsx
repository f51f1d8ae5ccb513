import { useId, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Tag as TagIcon, Trash2, X } from "lucide-react";
import { contactKeys, contactsApi, tagsQuery, type BulkAction, type BulkTarget } from "./api";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { Button } from "../../components/ui/button";
import { Input, Label, Select } from "../../components/ui/input";
import { FieldError } from "../../components/ui/field";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";

const DEFAULT_TAG_COLOR = "#16a34a";

function TagDialog({
  mode,
  onOpenChange,
  run,
  count,
}: {
  mode: "add" | "remove" | null;
  onOpenChange: (o: boolean) => void;
  run: (action: BulkAction) => Promise<unknown>;
  count: string;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const id = useId();
  const listId = useId();
  const tags = useQuery(tagsQuery);
  const [name, setName] = useState("");
  const [tagId, setTagId] = useState("");
  const apply = useMutation({
    mutationFn: async () => {
      if (mode === "remove") return run({ remove_tags: [tagId] });
      const wanted = name.trim();
      let tag = tags.data?.data.find((x) => x.name.toLowerCase() === wanted.toLowerCase());
      if (!tag) {
        tag = await contactsApi.createTag({ name: wanted, color: DEFAULT_TAG_COLOR });
        void qc.invalidateQueries({ queryKey: contactKeys.tags });
      }
      return run({ add_tags: [tag.id] });
    },
    meta: { inline: true },
    onSuccess: () => {
      setName("");
      setTagId("");
      onOpenChange(false);
    },
  });
  const errors = useFormErrors(apply.error);
  function submit(e: FormEvent) {
    e.preventDefault();
    if (mode === "add" ? name.trim() : tagId) apply.mutate();
  }
  const list = tags.data?.data ?? [];
  return (
    <Dialog open={mode !== null} onOpenChange={onOpenChange}>
      <DialogContent
        title={mode === "remove" ? t("contacts.bulk.remove_tag_title", { n: count }) : t("contacts.bulk.add_tag_title", { n: count })}
        description={mode === "add" ? t("contacts.bulk.add_tag_help") : undefined}
      >
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={id}>{t("contacts.bulk.tag")}</Label>
            {mode === "add" ? (
              <>
                <Input id={id} list={listId} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
                <datalist id={listId}>
                  {list.map((x) => (
                    <option key={x.id} value={x.name} />
                  ))}
                </datalist>
              </>
            ) : (
              <Select id={id} value={tagId} onChange={(e) => setTagId(e.target.value)}>
                <option value="">{t("contacts.bulk.choose_tag")}</option>
                {list.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </Select>
            )}
            <FieldError>{errors.fields.name || errors.form}</FieldError>
          </div>
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" disabled={apply.isPending || (mode === "add" ? !name.trim() : !tagId)}>
              {mode === "remove" ? t("contacts.bulk.remove_tag") : t("contacts.bulk.add_tag")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** The bar that appears when contacts are selected: tag, untag, delete. */
export function BulkBar({
  target,
  count,
  onClear,
  children,
}: {
  target: BulkTarget;
  count: number;
  onClear: () => void;
  children?: React.ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const admin = isAdmin(useMe().role);
  const qc = useQueryClient();
  const toast = useToast();
  const [tagMode, setTagMode] = useState<"add" | "remove" | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const n = new Intl.NumberFormat(i18n.language).format(count);
  const bulk = useMutation({
    mutationFn: (action: BulkAction) => contactsApi.bulk(target, action),
    onSuccess: (res, action) => {
      void qc.invalidateQueries({ queryKey: contactKeys.all });
      void qc.invalidateQueries({ queryKey: contactKeys.tags });
      const affected = new Intl.NumberFormat(i18n.language).format(res.affected ?? 0);
      toast("delete" in action ? t("contacts.bulk.deleted", { count: res.affected, n: affected }) : t("contacts.bulk.updated", { count: res.affected, n: affected }));
      onClear();
    },
  });
  return (
    <div
      className="flex flex-col gap-2 rounded-md border border-primary/40 bg-accent px-3 py-2 text-sm text-accent-foreground sm:flex-row sm:items-center"
      data-testid="bulk-bar"
    >
      <div className="flex flex-1 flex-wrap items-center gap-x-3 gap-y-1">
        <span className="font-medium">{t("contacts.bulk.selected", { count, n })}</span>
        {children}
      </div>
      <div className="flex flex-wrap gap-1.5">
        <Button size="sm" variant="outline" onClick={() => setTagMode("add")}>
          <TagIcon className="h-4 w-4" aria-hidden />
          {t("contacts.bulk.add_tag")}
        </Button>
        <Button size="sm" variant="outline" onClick={() => setTagMode("remove")}>
          {t("contacts.bulk.remove_tag")}
        </Button>
        {admin && (
          <Button size="sm" variant="outline" onClick={() => setConfirmDelete(true)}>
            <Trash2 className="h-4 w-4 text-danger" aria-hidden />
            {t("contacts.bulk.delete")}
          </Button>
        )}
        <Button size="sm" variant="ghost" onClick={onClear} aria-label={t("contacts.bulk.clear")} title={t("contacts.bulk.clear")}>
          <X className="h-4 w-4" aria-hidden />
        </Button>
      </div>
      <TagDialog mode={tagMode} onOpenChange={(o) => !o && setTagMode(null)} run={(a) => bulk.mutateAsync(a)} count={n} />
      <ConfirmDialog
        open={confirmDelete}
        onOpenChange={setConfirmDelete}
        title={t("contacts.bulk.delete_title", { count, n })}
        description={t("contacts.bulk.delete_help")}
        confirmLabel={t("contacts.bulk.delete")}
        onConfirm={() => bulk.mutate({ delete: true }, { onSettled: () => setConfirmDelete(false) })}
        pending={bulk.isPending}
      />
    </div>
  );
}
