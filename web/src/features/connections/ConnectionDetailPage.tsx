import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ArrowLeft, PlugZap, Smartphone } from "lucide-react";
import { connectionKeys, connectionQuery, connectionsApi, type Connection, type TestResult } from "./api";
import { ConnectionForm, toInput } from "./ConnectionForm";
import { WebhookSetup } from "./WebhookSetup";
import { Quality, StatusBadge, TypeBadge } from "./parts";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Alert } from "../../components/ui/alert";
import { Spinner } from "../../components/ui/misc";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";
import { useTitle } from "../../lib/useTitle";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";
import { useDates } from "../settings/useDates";

function InfoList({ info }: { info: NonNullable<Connection["info"]> }) {
  const { t } = useTranslation();
  const rows: [string, string | undefined][] = [
    ["display_phone_number", info.display_phone_number],
    ["verified_name", info.verified_name],
    ["throughput", info.throughput],
    ["messaging_limit", info.messaging_limit],
  ];
  return (
    <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2" data-testid="connection-info">
      {rows
        .filter(([, v]) => v)
        .map(([k, v]) => (
          <div key={k}>
            <dt className="text-xs text-muted-foreground">{t(`connections.info.${k}`)}</dt>
            <dd className="font-medium">{t(`connections.info_value.${v}`, { defaultValue: v })}</dd>
          </div>
        ))}
      {info.quality_rating && (
        <div>
          <dt className="text-xs text-muted-foreground">{t("connections.info.quality_rating")}</dt>
          <dd>
            <Quality rating={info.quality_rating} bare />
          </dd>
        </div>
      )}
    </dl>
  );
}

function TestCard({ c, admin }: { c: Connection; admin: boolean }) {
  const { t } = useTranslation();
  const dates = useDates();
  const qc = useQueryClient();
  const [result, setResult] = useState<TestResult | null>(null);
  const test = useMutation({
    mutationFn: () => connectionsApi.test(c.id),
    onSuccess: (r) => {
      setResult(r);
      void qc.invalidateQueries({ queryKey: connectionKeys.all });
    },
  });
  const info = result?.ok ? result.info : c.info;
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("connections.test.title")}</CardTitle>
        <CardDescription>{t("connections.test.help")}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {result?.error && (
          <Alert tone="danger">
            <p className="font-medium">{result.error.meaning || t("connections.test.failed")}</p>
            <p className="mt-1 text-xs opacity-80">
              {t("connections.test.meta_said", { message: result.error.message, code: result.error.code ?? "—" })}
            </p>
          </Alert>
        )}
        {result?.ok && <Alert>{t("connections.test.ok")}</Alert>}
        {info && Object.keys(info).length > 0 ? (
          <>
            <InfoList info={info} />
            {info.tested_at && (
              <p className="text-xs text-muted-foreground">{t("connections.test.tested_at", { when: dates.dateTime(info.tested_at) })}</p>
            )}
          </>
        ) : (
          <p className="text-sm text-muted-foreground">{t("connections.test.never")}</p>
        )}
        {admin && (
          <div>
            <Button variant="outline" onClick={() => test.mutate()} disabled={test.isPending} data-testid="test-connection">
              <PlugZap className="h-4 w-4" aria-hidden />
              {test.isPending ? t("connections.test.testing") : t("connections.test.button")}
            </Button>
          </div>
        )}
      </CardContent>
    </Card>
  );
}

function EditCard({ c }: { c: Connection }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const save = useMutation({
    mutationFn: (body: Parameters<typeof connectionsApi.update>[1]) => connectionsApi.update(c.id, body),
    meta: { inline: true },
    onSuccess: (next) => {
      qc.setQueryData(connectionKeys.one(c.id), next);
      void qc.invalidateQueries({ queryKey: connectionKeys.all });
      toast(t("common.saved"));
    },
  });
  const errors = useFormErrors(save.error);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("connections.settings")}</CardTitle>
        {c.type === "whatsapp_cloud" && <CardDescription>{t("connections.secrets_help")}</CardDescription>}
      </CardHeader>
      <CardContent>
        <ConnectionForm
          key={c.updated_at}
          connection={c}
          pending={save.isPending}
          fieldErrors={errors.fields}
          formError={errors.form}
          submitLabel={t("common.save")}
          onSubmit={(v) => save.mutate(toInput(v, true))}
        />
      </CardContent>
    </Card>
  );
}

function DangerCard({ c }: { c: Connection }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [confirm, setConfirm] = useState(false);
  const toggle = useMutation({
    mutationFn: () => connectionsApi.update(c.id, { status: c.status === "disabled" ? "active" : "disabled" }),
    onSuccess: (next) => {
      qc.setQueryData(connectionKeys.one(c.id), next);
      void qc.invalidateQueries({ queryKey: connectionKeys.all });
    },
  });
  const remove = useMutation({
    mutationFn: () => connectionsApi.remove(c.id),
    onSettled: () => setConfirm(false),
    onSuccess: () => {
      qc.removeQueries({ queryKey: connectionKeys.one(c.id) });
      void qc.invalidateQueries({ queryKey: connectionKeys.all });
      navigate("/connections", { replace: true });
    },
  });
  const disabled = c.status === "disabled";
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("connections.manage")}</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        <div className="flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
          <p className="text-sm text-muted-foreground">{t(disabled ? "connections.enable_help" : "connections.disable_help")}</p>
          <Button variant="outline" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
            {t(disabled ? "connections.enable" : "connections.disable")}
          </Button>
        </div>
        <div className="flex flex-col gap-2 border-t border-border pt-4 sm:flex-row sm:items-center sm:justify-between">
          <p className="text-sm text-muted-foreground">{t("connections.delete_help")}</p>
          <Button variant="danger" onClick={() => setConfirm(true)}>
            {t("connections.delete")}
          </Button>
        </div>
        <ConfirmDialog
          open={confirm}
          onOpenChange={setConfirm}
          title={t("connections.delete_title", { name: c.name })}
          description={t("connections.delete_confirm")}
          confirmLabel={t("connections.delete")}
          onConfirm={() => remove.mutate()}
          pending={remove.isPending}
        />
      </CardContent>
    </Card>
  );
}

export function ConnectionDetailPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const me = useMe();
  const admin = isAdmin(me.role);
  const q = useQuery(connectionQuery(id));
  useTitle(q.data ? `${q.data.name} · ${t("nav.connections")}` : t("nav.connections"));
  const c = q.data;
  return (
    <div className="flex flex-col gap-6">
      <Link to="/connections" className="inline-flex items-center gap-1 self-start text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="h-4 w-4" aria-hidden />
        {t("nav.connections")}
      </Link>
      {q.isPending && <Spinner />}
      {q.isError && <QueryError error={q.error} onRetry={() => q.refetch()} />}
      {c && (
        <>
          <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
            <div>
              <h1 className="text-2xl font-semibold tracking-tight break-words">{c.name}</h1>
              <div className="mt-2 flex flex-wrap items-center gap-2">
                <TypeBadge type={c.type} />
                <StatusBadge status={c.status} />
              </div>
            </div>
            {c.type === "simulator" && (
              <Button asChild>
                <Link to={`/connections/${c.id}/simulator`}>
                  <Smartphone className="h-4 w-4" aria-hidden />
                  {t("connections.open_simulator")}
                </Link>
              </Button>
            )}
          </div>
          {c.status === "needs_attention" && (
            <Alert tone="danger">
              <p className="font-medium">{t("connections.needs_attention_title")}</p>
              <p className="mt-1">{c.status_reason || t("connections.needs_attention_help")}</p>
            </Alert>
          )}
          {c.status === "disabled" && <Alert tone="warning">{t("connections.disabled_help")}</Alert>}
          <TestCard c={c} admin={admin} />
          {c.type === "whatsapp_cloud" && c.webhook_url && (
            <Card>
              <CardHeader>
                <CardTitle>{t("connections.webhook.title")}</CardTitle>
                <CardDescription>{t("connections.webhook.help")}</CardDescription>
              </CardHeader>
              <CardContent>
                <WebhookSetup url={c.webhook_url} />
              </CardContent>
            </Card>
          )}
          {admin && <EditCard c={c} />}
          {admin && <DangerCard c={c} />}
        </>
      )}
    </div>
  );
}
