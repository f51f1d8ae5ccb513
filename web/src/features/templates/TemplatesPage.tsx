import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { FileText, Pencil, Plus, RefreshCw, Trash2 } from "lucide-react";
import { templateKeys, templatesApi, templatesQuery, type Template } from "./api";
import { fromComponents } from "./components";
import { TemplatePreview } from "./TemplatePreview";
import { connectionsQuery } from "../connections/api";
import { Card } from "../../components/ui/card";
import { Badge } from "../../components/ui/badge";
import { Button } from "../../components/ui/button";
import { Label, Select } from "../../components/ui/input";
import { EmptyState, Spinner } from "../../components/ui/misc";
import { QueryError } from "../../components/query-error";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { useToast } from "../../components/ui/toast";
import { useTitle } from "../../lib/useTitle";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const tone = status === "APPROVED" ? "brand" : status === "REJECTED" ? "danger" : "neutral";
  return (
    <Badge tone={tone} data-testid="template-status">
      {t(`templates.status.${status}`, { defaultValue: status })}
    </Badge>
  );
}

function TemplateCard({ tpl, connectionId, admin }: { tpl: Template; connectionId: string; admin: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const [open, setOpen] = useState(false);
  const remove = useMutation({
    mutationFn: () => templatesApi.remove(connectionId, tpl.id),
    onSettled: () => setConfirm(false),
    onSuccess: () => qc.invalidateQueries({ queryKey: templateKeys.list(connectionId) }),
  });
  return (
    <Card className="flex flex-col gap-3 p-4" data-testid="template-row">
      <div className="flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-sm font-medium break-all">{tpl.name}</span>
            <StatusBadge status={tpl.status} />
          </div>
          <p className="mt-1 text-xs text-muted-foreground">
            {t(`templates.language.${tpl.language}`, { defaultValue: tpl.language })} ·{" "}
            {t(`templates.category.${tpl.category}`, { defaultValue: tpl.category })}
          </p>
          {tpl.status === "PENDING" && <p className="mt-1 text-xs text-muted-foreground">{t("templates.pending_help")}</p>}
          {tpl.status === "REJECTED" && (
            <p className="mt-1 text-sm text-danger">{t("templates.rejected", { reason: tpl.rejected_reason || t("templates.no_reason") })}</p>
          )}
        </div>
        <div className="flex flex-wrap gap-1">
          <Button variant="ghost" size="sm" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
            {t(open ? "templates.hide_preview" : "templates.show_preview")}
          </Button>
          {admin && (
            <>
              <Button variant="ghost" size="sm" asChild>
                <Link to={`/templates/${tpl.id}/edit?connection=${connectionId}`}>
                  <Pencil className="h-4 w-4" aria-hidden />
                  {t("templates.edit")}
                </Link>
              </Button>
              <Button variant="ghost" size="sm" onClick={() => setConfirm(true)} aria-label={t("templates.delete_named", { name: tpl.name })}>
                <Trash2 className="h-4 w-4" aria-hidden />
              </Button>
            </>
          )}
        </div>
      </div>
      {open && <TemplatePreview d={fromComponents(tpl)} />}
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={t("templates.delete_title", { name: tpl.name })}
        description={t("templates.delete_help")}
        confirmLabel={t("templates.delete")}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
      />
    </Card>
  );
}

export function TemplatesPage() {
  const { t } = useTranslation();
  useTitle(t("nav.templates"));
  const me = useMe();
  const admin = isAdmin(me.role);
  const qc = useQueryClient();
  const toast = useToast();
  const [params, setParams] = useSearchParams();
  const conns = useQuery(connectionsQuery);
  const list = conns.data?.data ?? [];
  const connectionId = params.get("connection") || list[0]?.id || "";
  const connection = list.find((c) => c.id === connectionId);
  const templates = useQuery({
    ...templatesQuery(connectionId),
    enabled: Boolean(connection),
    // The review takes a moment (two seconds on the Simulator): look again while any waits.
    refetchInterval: (q) => (q.state.data?.data.some((x) => x.status === "PENDING") ? 1500 : false),
  });
  useEffect(() => {
    if (!params.get("connection") && list[0]) setParams({ connection: list[0].id }, { replace: true });
  }, [params, list, setParams]);
  const sync = useMutation({
    mutationFn: () => templatesApi.sync(connectionId),
    onSuccess: (res) => {
      qc.setQueryData(templateKeys.list(connectionId), res);
      toast(t("templates.synced", { count: res.data.length }));
    },
  });
  const items = templates.data?.data ?? [];
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">{t("nav.templates")}</h1>
          <p className="mt-1 text-sm text-muted-foreground">{t("templates.help")}</p>
        </div>
        {admin && connection && (
          <div className="flex flex-wrap gap-2">
            {connection.type === "whatsapp_cloud" && (
              <Button variant="outline" onClick={() => sync.mutate()} disabled={sync.isPending}>
                <RefreshCw className={sync.isPending ? "h-4 w-4 animate-spin" : "h-4 w-4"} aria-hidden />
                {t("templates.sync")}
              </Button>
            )}
            <Button asChild>
              <Link to={`/templates/new?connection=${connectionId}`}>
                <Plus className="h-4 w-4" aria-hidden />
                {t("templates.new")}
              </Link>
            </Button>
          </div>
        )}
      </div>
      {conns.isPending && <Spinner />}
      {conns.isError && <QueryError error={conns.error} onRetry={() => conns.refetch()} />}
      {conns.data && list.length === 0 && (
        <Card>
          <EmptyState icon={<FileText className="h-6 w-6" aria-hidden />} title={t("templates.no_connection")}>
            <p>{t("templates.no_connection_help")}</p>
            <Link to="/connections" className="mt-2 inline-block text-primary hover:underline">
              {t("templates.go_connections")}
            </Link>
          </EmptyState>
        </Card>
      )}
      {list.length > 0 && (
        <div className="flex flex-col gap-1.5 sm:max-w-sm">
          <Label htmlFor="template-connection">{t("templates.connection")}</Label>
          <Select id="template-connection" value={connectionId} onChange={(e) => setParams({ connection: e.target.value })}>
            {list.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({t(`connections.type.${c.type}`)})
              </option>
            ))}
          </Select>
        </div>
      )}
      {connection && templates.isPending && <Spinner />}
      {templates.isError && <QueryError error={templates.error} onRetry={() => templates.refetch()} />}
      {templates.data && items.length === 0 && (
        <Card>
          <EmptyState icon={<FileText className="h-6 w-6" aria-hidden />} title={t("templates.empty")}>
            {t(connection?.type === "whatsapp_cloud" ? "templates.empty_help_cloud" : "templates.empty_help")}
          </EmptyState>
        </Card>
      )}
      {items.length > 0 && (
        <div className="flex flex-col gap-3">
          {items.map((tpl) => (
            <TemplateCard key={tpl.id} tpl={tpl} connectionId={connectionId} admin={admin} />
          ))}
        </div>
      )}
    </div>
  );
}
