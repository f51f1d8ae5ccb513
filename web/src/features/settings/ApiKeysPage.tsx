import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { KeyRound, Plus } from "lucide-react";
import { apiKeysQuery, settingsApi, settingsKeys, type ApiKey } from "./api";
import { Card } from "../../components/ui/card";
import { Field } from "../../components/ui/field";
import { Button } from "../../components/ui/button";
import { Alert } from "../../components/ui/alert";
import { EmptyState, PageHeader, Spinner } from "../../components/ui/misc";
import { Table, TBody, TD, TH, THead, TR } from "../../components/ui/table";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { CopyField } from "../../components/ui/copy-field";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { QueryError } from "../../components/query-error";
import { useFormErrors } from "../../lib/useFormErrors";
import { useDates } from "./useDates";

function CreateKeyDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => settingsApi.createApiKey(name),
    meta: { inline: true },
    onSuccess: () => qc.invalidateQueries({ queryKey: settingsKeys.apiKeys }),
  });
  const errors = useFormErrors(create.error);
  function close(o: boolean) {
    if (!o) {
      setName("");
      create.reset();
    }
    onOpenChange(o);
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <Dialog open={open} onOpenChange={close}>
      {create.data ? (
        <DialogContent title={t("settings.api_keys.created_title")} description={t("settings.api_keys.created_help")}>
          <div className="flex flex-col gap-3">
            <Alert tone="warning">{t("settings.api_keys.once")}</Alert>
            <CopyField label={create.data.name} value={create.data.key} testId="api-key-value" />
          </div>
          <DialogFooter>
            <Button onClick={() => close(false)}>{t("common.done")}</Button>
          </DialogFooter>
        </DialogContent>
      ) : (
        <DialogContent title={t("settings.api_keys.new")} description={t("settings.api_keys.new_help")}>
          <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
            <Field
              label={t("settings.api_keys.name")}
              name="api-key-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              error={errors.fields.name}
              hint={t("settings.api_keys.name_hint")}
              required
            />
            {errors.form && <Alert tone="danger">{errors.form}</Alert>}
            <DialogFooter>
              <Button variant="outline" onClick={() => close(false)}>
                {t("common.cancel")}
              </Button>
              <Button type="submit" disabled={create.isPending}>
                {t("settings.api_keys.create")}
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      )}
    </Dialog>
  );
}

function KeyRow({ k }: { k: ApiKey }) {
  const { t } = useTranslation();
  const dates = useDates();
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const revoke = useMutation({
    mutationFn: () => settingsApi.revokeApiKey(k.id),
    onSettled: () => setConfirm(false),
    onSuccess: () => qc.invalidateQueries({ queryKey: settingsKeys.apiKeys }),
  });
  return (
    <TR data-testid="api-key-row">
      <TD>
        <div className="font-medium">{k.name}</div>
        <div className="font-mono text-xs text-muted-foreground">{k.prefix}…</div>
      </TD>
      <TD className="hidden md:table-cell">
        <div>{dates.dateTime(k.created_at)}</div>
        {k.created_by && <div className="text-xs text-muted-foreground">{k.created_by.name}</div>}
      </TD>
      <TD className="hidden sm:table-cell">
        {k.last_used_at ? dates.dateTime(k.last_used_at) : <span className="text-muted-foreground">{t("settings.api_keys.never")}</span>}
      </TD>
      <TD className="text-right">
        <Button variant="ghost" size="sm" onClick={() => setConfirm(true)}>
          {t("settings.api_keys.revoke")}
        </Button>
        <ConfirmDialog
          open={confirm}
          onOpenChange={setConfirm}
          title={t("settings.api_keys.revoke_title", { name: k.name })}
          description={t("settings.api_keys.revoke_help")}
          confirmLabel={t("settings.api_keys.revoke")}
          onConfirm={() => revoke.mutate()}
          pending={revoke.isPending}
        />
      </TD>
    </TR>
  );
}

export function ApiKeysPage() {
  const { t } = useTranslation();
  const keys = useQuery(apiKeysQuery);
  const [open, setOpen] = useState(false);
  return (
    <div>
      <PageHeader
        title={t("settings.nav.api_keys")}
        description={t("settings.api_keys.help")}
        actions={
          <Button onClick={() => setOpen(true)}>
            <Plus className="h-4 w-4" aria-hidden />
            {t("settings.api_keys.new")}
          </Button>
        }
      />
      <Card>
        {keys.isPending && <Spinner />}
        {keys.isError && (
          <div className="p-4">
            <QueryError error={keys.error} onRetry={() => keys.refetch()} />
          </div>
        )}
        {keys.data && keys.data.data.length === 0 && (
          <EmptyState icon={<KeyRound className="h-6 w-6" aria-hidden />} title={t("settings.api_keys.empty")}>
            {t("settings.api_keys.empty_help")}
          </EmptyState>
        )}
        {keys.data && keys.data.data.length > 0 && (
          <Table data-testid="api-keys-table">
            <THead>
              <TR>
                <TH>{t("settings.api_keys.name")}</TH>
                <TH className="hidden md:table-cell">{t("settings.api_keys.created")}</TH>
                <TH className="hidden sm:table-cell">{t("settings.api_keys.last_used")}</TH>
                <TH>
                  <span className="sr-only">{t("common.actions")}</span>
                </TH>
              </TR>
            </THead>
            <TBody>
              {keys.data.data.map((k) => (
                <KeyRow key={k.id} k={k} />
              ))}
            </TBody>
          </Table>
        )}
      </Card>
      <CreateKeyDialog open={open} onOpenChange={setOpen} />
    </div>
  );
}
