import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ChevronRight, FlaskConical, Inbox, MessageCircle, Plus, Smartphone } from "lucide-react";
import { connectionKeys, connectionsApi, connectionsQuery, type Connection, type ConnectionType } from "./api";
import { ConnectionForm, toInput } from "./ConnectionForm";
import { WebhookSetup } from "./WebhookSetup";
import { Quality, StatusBadge, TypeBadge } from "./parts";
import { Card } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Alert } from "../../components/ui/alert";
import { Spinner } from "../../components/ui/misc";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { QueryError } from "../../components/query-error";
import { useFormErrors } from "../../lib/useFormErrors";
import { useTitle } from "../../lib/useTitle";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";

function CreateDialog({ type, onOpenChange }: { type: ConnectionType | null; onOpenChange: (o: boolean) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [typedToken, setTypedToken] = useState("");
  const create = useMutation({
    mutationFn: connectionsApi.create,
    meta: { inline: true },
    onSuccess: (c) => {
      void qc.invalidateQueries({ queryKey: connectionKeys.all });
      if (c.type === "simulator") navigate(`/connections/${c.id}/simulator`);
    },
  });
  const errors = useFormErrors(create.error);
  function close(o: boolean) {
    if (!o) create.reset();
    onOpenChange(o);
  }
  const created = create.data?.type === "whatsapp_cloud" ? create.data : null;
  return (
    <Dialog open={type !== null} onOpenChange={close}>
      {created ? (
        <DialogContent title={t("connections.created_title")} description={t("connections.created_help")} size="wide">
          {create.data?.verify_token && <Alert tone="warning">{t("connections.token_once")}</Alert>}
          <div className="mt-3">
            <WebhookSetup url={created.webhook_url ?? ""} token={created.verify_token || typedToken} />
          </div>
          <DialogFooter>
            <Button variant="outline" onClick={() => navigate(`/connections/${created.id}`)}>
              {t("connections.open")}
            </Button>
            <Button onClick={() => close(false)}>{t("common.done")}</Button>
          </DialogFooter>
        </DialogContent>
      ) : (
        <DialogContent title={t("connections.new")} description={t("connections.new_help")} size="wide">
          {type && (
            <ConnectionForm
              key={type}
              initialType={type}
              pending={create.isPending}
              fieldErrors={errors.fields}
              formError={errors.form}
              submitLabel={t("connections.create")}
              onCancel={() => close(false)}
              onSubmit={(v) => {
                setTypedToken(v.verify_token.trim());
                create.mutate(toInput(v, false));
              }}
            />
          )}
        </DialogContent>
      )}
    </Dialog>
  );
}

function ConnectionCard({ c }: { c: Connection }) {
  const { t } = useTranslation();
  return (
    <Card className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center" data-testid="connection-row">
      <span className="hidden h-10 w-10 shrink-0 items-center justify-center rounded-full bg-accent text-accent-foreground sm:flex">
        {c.type === "simulator" ? <FlaskConical className="h-5 w-5" aria-hidden /> : <MessageCircle className="h-5 w-5" aria-hidden />}
      </span>
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2">
          <Link to={`/connections/${c.id}`} className="truncate font-medium hover:underline">
            {c.name}
          </Link>
          <TypeBadge type={c.type} />
          <StatusBadge status={c.status} />
        </div>
        <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted-foreground">
          {c.info?.display_phone_number && c.type !== "simulator" && <span>{c.info.display_phone_number}</span>}
          <Quality rating={c.info?.quality_rating} />
        </div>
        {c.status === "needs_attention" && c.status_reason && (
          <p className="mt-1 text-sm text-danger">{c.status_reason}</p>
        )}
      </div>
      <div className="flex gap-2">
        {c.type === "simulator" && (
          <Button variant="outline" size="sm" asChild>
            <Link to={`/connections/${c.id}/simulator`}>
              <Smartphone className="h-4 w-4" aria-hidden />
              {t("connections.open_simulator")}
            </Link>
          </Button>
        )}
        <Button variant="ghost" size="sm" asChild>
          <Link to={`/connections/${c.id}`} aria-label={t("connections.details_of", { name: c.name })}>
            {t("connections.details")}
            <ChevronRight className="h-4 w-4" aria-hidden />
          </Link>
        </Button>
      </div>
    </Card>
  );
}

export function ConnectionsPage() {
  const { t } = useTranslation();
  useTitle(t("nav.connections"));
  const me = useMe();
  const admin = isAdmin(me.role);
  const list = useQuery(connectionsQuery);
  const [creating, setCreating] = useState<ConnectionType | null>(null);
  const items = list.data?.data ?? [];
  return (
    <div>
      <div className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">{t("nav.connections")}</h1>
          <p className="mt-1 text-sm text-muted-foreground">{t("connections.help")}</p>
        </div>
        {admin && (
          <div className="flex flex-wrap gap-2">
            <Button variant="outline" asChild>
              <Link to="/connections/webhook-events">
                <Inbox className="h-4 w-4" aria-hidden />
                {t("webhook_events.title")}
              </Link>
            </Button>
            {items.length > 0 && (
              <Button onClick={() => setCreating("whatsapp_cloud")}>
                <Plus className="h-4 w-4" aria-hidden />
                {t("connections.new")}
              </Button>
            )}
          </div>
        )}
      </div>
      {list.isPending && <Spinner />}
      {list.isError && <QueryError error={list.error} onRetry={() => list.refetch()} />}
      {list.data && items.length === 0 && (
        <Card className="flex flex-col items-center gap-3 px-6 py-12 text-center" data-testid="connections-empty">
          <span className="flex h-12 w-12 items-center justify-center rounded-full bg-accent text-accent-foreground">
            <Smartphone className="h-6 w-6" aria-hidden />
          </span>
          <p className="text-base font-medium">{t("connections.empty")}</p>
          <p className="max-w-md text-sm text-muted-foreground">{t(admin ? "connections.empty_help" : "connections.empty_help_agent")}</p>
          {admin && (
            <div className="mt-2 flex flex-col gap-2 sm:flex-row">
              <Button onClick={() => setCreating("whatsapp_cloud")}>
                <MessageCircle className="h-4 w-4" aria-hidden />
                {t("connections.connect_whatsapp")}
              </Button>
              <Button variant="outline" onClick={() => setCreating("simulator")}>
                <FlaskConical className="h-4 w-4" aria-hidden />
                {t("connections.try_simulator")}
              </Button>
            </div>
          )}
        </Card>
      )}
      {items.length > 0 && (
        <div className="flex flex-col gap-3">
          {items.map((c) => (
            <ConnectionCard key={c.id} c={c} />
          ))}
        </div>
      )}
      <CreateDialog type={creating} onOpenChange={(o) => !o && setCreating(null)} />
    </div>
  );
}
