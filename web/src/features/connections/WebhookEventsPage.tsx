import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ArrowLeft, ChevronDown, ChevronRight, Inbox, RotateCcw } from "lucide-react";
import { connectionsQuery, webhookEventsQuery, connectionsApi, type WebhookEvent } from "./api";
import { Card } from "../../components/ui/card";
import { Badge } from "../../components/ui/badge";
import { Button } from "../../components/ui/button";
import { EmptyState, Spinner } from "../../components/ui/misc";
import { Tabs, TabsList, TabsTrigger } from "../../components/ui/tabs";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useTitle } from "../../lib/useTitle";
import { useDates } from "../settings/useDates";

function pretty(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}

function EventRow({ e, connectionName }: { e: WebhookEvent; connectionName: string }) {
  const { t } = useTranslation();
  const dates = useDates();
  const qc = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const again = useMutation({
    mutationFn: () => connectionsApi.reprocess(e.id),
    onSuccess: () => {
      toast(t("webhook_events.queued"));
      void qc.invalidateQueries({ queryKey: ["webhook-events"] });
    },
  });
  const tone = e.status === "failed" ? "danger" : e.status === "processed" ? "brand" : "neutral";
  return (
    <li className="flex flex-col gap-2 p-4" data-testid="webhook-event">
      <div className="flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={tone}>{t(`webhook_events.status.${e.status}`, { defaultValue: e.status })}</Badge>
            <span className="text-sm font-medium">{connectionName || t("webhook_events.deleted_connection")}</span>
            <span className="text-xs text-muted-foreground">{t(`connections.type.${e.source}`, { defaultValue: e.source })}</span>
          </div>
          <p className="mt-1 text-xs text-muted-foreground">
            {t("webhook_events.received", { when: dates.dateTime(e.received_at) })}
            {e.attempts > 0 && ` · ${t("webhook_events.attempts", { count: e.attempts })}`}
          </p>
          {e.error && <p className="mt-1 text-sm break-words text-danger">{e.error}</p>}
        </div>
        {e.status === "failed" && (
          <Button variant="outline" size="sm" onClick={() => again.mutate()} disabled={again.isPending}>
            <RotateCcw className="h-4 w-4" aria-hidden />
            {t("webhook_events.reprocess")}
          </Button>
        )}
      </div>
      <button
        type="button"
        className="inline-flex items-center gap-1 self-start text-xs text-muted-foreground hover:text-foreground"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        {open ? <ChevronDown className="h-3.5 w-3.5" aria-hidden /> : <ChevronRight className="h-3.5 w-3.5" aria-hidden />}
        {t(open ? "webhook_events.hide_payload" : "webhook_events.show_payload", { size: e.size })}
      </button>
      {open && (
        <pre className="max-h-80 overflow-auto rounded-md bg-muted p-3 font-mono text-xs whitespace-pre" tabIndex={0}>
          {pretty(e.payload)}
        </pre>
      )}
    </li>
  );
}

export function WebhookEventsPage() {
  const { t } = useTranslation();
  useTitle(t("webhook_events.title"));
  const [params, setParams] = useSearchParams();
  const status = params.get("status") === "all" ? "" : "failed";
  const events = useQuery(webhookEventsQuery(status));
  const conns = useQuery(connectionsQuery);
  const names = new Map((conns.data?.data ?? []).map((c) => [c.id, c.name]));
  const items = events.data?.data ?? [];
  return (
    <div className="flex flex-col gap-4">
      <Link to="/connections" className="inline-flex items-center gap-1 self-start text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="h-4 w-4" aria-hidden />
        {t("nav.connections")}
      </Link>
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{t("webhook_events.title")}</h1>
        <p className="mt-1 text-sm text-muted-foreground">{t("webhook_events.help")}</p>
      </div>
      <Tabs
        value={status === "" ? "all" : "failed"}
        onValueChange={(v) => setParams(v === "all" ? { status: "all" } : {}, { replace: true })}
      >
        <TabsList>
          <TabsTrigger value="failed">{t("webhook_events.only_failed")}</TabsTrigger>
          <TabsTrigger value="all">{t("webhook_events.all")}</TabsTrigger>
        </TabsList>
      </Tabs>
      <Card>
        {events.isPending && <Spinner />}
        {events.isError && (
          <div className="p-4">
            <QueryError error={events.error} onRetry={() => events.refetch()} />
          </div>
        )}
        {events.data && items.length === 0 && (
          <EmptyState
            icon={<Inbox className="h-6 w-6" aria-hidden />}
            title={t(status === "failed" ? "webhook_events.empty_failed" : "webhook_events.empty_all")}
          >
            {t("webhook_events.empty_help")}
          </EmptyState>
        )}
        {items.length > 0 && (
          <ul className="divide-y divide-border">
            {items.map((e) => (
              <EventRow key={e.id} e={e} connectionName={names.get(e.connection_id) ?? ""} />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
