import { useEffect, useId, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ArrowLeft, ChevronLeft, ChevronRight, Copy, Download, Pause, Pencil, Play, Trash2, XCircle } from "lucide-react";
import {
  campaignKeys,
  campaignLinks,
  campaignQuery,
  campaignsApi,
  failuresQuery,
  RECIPIENT_STATUSES,
  recipientsQuery,
  type Campaign,
  type Stats,
} from "./api";
import { addSample, etaSeconds, formatDuration, funnel, groupFailures, pace, pollEvery, type Sample, doneCount } from "./logic";
import { CampaignProgress, StatusBadge } from "./parts";
import { useCampaignEvents } from "./useCampaignEvents";
import { connectionsQuery } from "../connections/api";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Label, Select } from "../../components/ui/input";
import { Alert } from "../../components/ui/alert";
import { Badge } from "../../components/ui/badge";
import { EmptyState, Spinner } from "../../components/ui/misc";
import { Table, TBody, TD, TH, THead, TR } from "../../components/ui/table";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useTitle } from "../../lib/useTitle";
import { formatPhone } from "../../lib/format";
import { useDates } from "../settings/useDates";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";

/** Messages per second measured from the live counts, over the last half minute. */
function useMeasuredPace(c: Campaign | undefined): number | null {
  const samples = useRef<Sample[]>([]);
  const [perSecond, setPerSecond] = useState<number | null>(null);
  const done = c ? doneCount(c.stats) : 0;
  const running = c?.status === "running";
  useEffect(() => {
    if (!running) {
      samples.current = [];
      setPerSecond(null);
      return;
    }
    samples.current = addSample(samples.current, { at: Date.now(), done });
    setPerSecond(pace(samples.current));
  }, [done, running]);
  return perSecond;
}

function Counters({ s }: { s: Stats }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  // Like the funnel, a read message counts as sent and delivered too.
  const reached = Object.fromEntries(funnel(s).map((x) => [x.key, x.value]));
  const items = [
    ["total", s.total],
    ["waiting", s.pending + s.queued],
    ["sent", reached.sent],
    ["delivered", reached.delivered],
    ["read", reached.read],
    ["replied", s.replied],
    ["failed", s.failed],
    ["skipped", s.skipped],
  ] as const;
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
      {items.map(([k, v]) => (
        <div key={k} className="rounded-md border border-border p-3" data-testid={`count-${k}`}>
          <dt className="text-xs text-muted-foreground">{t(`campaigns.counts.${k}`)}</dt>
          <dd className="text-xl font-semibold tabular-nums">{nf.format(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Total → sent → delivered → read → replied as bars, with failed and skipped aside. */
function Funnel({ s }: { s: Stats }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  const pf = new Intl.NumberFormat(i18n.language, { style: "percent", maximumFractionDigits: 0 });
  const steps = funnel(s);
  const max = Math.max(1, s.total);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("campaigns.detail.funnel_title")}</CardTitle>
        <CardDescription>{t("campaigns.detail.funnel_help")}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6 md:grid-cols-[1fr_14rem]">
        <ol className="flex flex-col gap-2.5" data-testid="campaign-funnel">
          {steps.map((x) => (
            <li key={x.key} className="grid grid-cols-[6.5rem_1fr] items-center gap-3 text-sm sm:grid-cols-[8rem_1fr]">
              <span className="text-muted-foreground">{t(`campaigns.funnel.${x.key}`)}</span>
              <div className="flex items-center gap-2" title={`${nf.format(x.value)} · ${pf.format(x.value / max)}`}>
                <div className="h-6 min-w-0 flex-1 rounded bg-muted">
                  <div
                    className="h-full rounded bg-primary/80 transition-[width] duration-500"
                    style={{ width: `${(x.value / max) * 100}%` }}
                  />
                </div>
                <span className="w-20 shrink-0 text-right tabular-nums">
                  {nf.format(x.value)}
                  {x.key !== "total" && <span className="ml-1 text-xs text-muted-foreground">{pf.format(x.value / max)}</span>}
                </span>
              </div>
            </li>
          ))}
        </ol>
        <div className="flex flex-col gap-2 text-sm md:border-l md:border-border md:pl-6">
          {(["failed", "skipped"] as const).map((k) => (
            <div key={k} className="flex items-baseline justify-between gap-2">
              <span className="text-muted-foreground">{t(`campaigns.funnel.${k}`)}</span>
              <span className={k === "failed" && s.failed ? "font-semibold text-danger tabular-nums" : "font-semibold tabular-nums"}>
                {nf.format(s[k])}
                <span className="ml-1 text-xs font-normal text-muted-foreground">{pf.format(s[k] / max)}</span>
              </span>
            </div>
          ))}
          <p className="text-xs text-muted-foreground">{t("campaigns.detail.aside_help")}</p>
        </div>
      </CardContent>
    </Card>
  );
}

function Failures({ c }: { c: Campaign }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  const notSent = c.stats.failed + c.stats.skipped;
  const running = c.status === "running";
  // A new count asks again, so new failures show as they happen; while
  // sending, every ten seconds at most.
  const q = useQuery({ ...failuresQuery(c.id, running ? -1 : notSent), enabled: notSent > 0, refetchInterval: running ? 10_000 : false });
  const groups = groupFailures(q.data ?? []);
  if (!notSent) return null;
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("campaigns.detail.failures_title")}</CardTitle>
        <CardDescription>{t("campaigns.detail.failures_help")}</CardDescription>
      </CardHeader>
      <CardContent>
        {q.isError && <QueryError error={q.error} onRetry={() => q.refetch()} />}
        {q.isPending && <Spinner />}
        {groups.length > 0 && (
          <ul className="flex flex-col divide-y divide-border" data-testid="campaign-failures">
            {groups.map((g) => {
              const known = t(`campaigns.reason.${g.code}`, { defaultValue: "" });
              return (
                <li key={`${g.status}-${g.code}`} className="flex items-start justify-between gap-4 py-3">
                  <div className="min-w-0">
                    <div className="flex flex-wrap items-center gap-2">
                      <Badge tone={g.status === "failed" ? "danger" : "neutral"}>{t(`campaigns.recipient_status.${g.status}`)}</Badge>
                      <span className="font-mono text-xs text-muted-foreground">{g.code || "—"}</span>
                    </div>
                    <p className="mt-1 text-sm">{known || g.reason || t("campaigns.reason.unknown")}</p>
                  </div>
                  <span className="shrink-0 text-lg font-semibold tabular-nums">{nf.format(g.count)}</span>
                </li>
              );
            })}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function Recipients({ c }: { c: Campaign }) {
  const { t } = useTranslation();
  const dates = useDates();
  const [params, setParams] = useSearchParams();
  const status = RECIPIENT_STATUSES.includes(params.get("status") as never) ? (params.get("status") as string) : "";
  const [cursors, setCursors] = useState<string[]>([""]);
  const cursor = cursors[cursors.length - 1];
  const q = useQuery({ ...recipientsQuery(c.id, status, cursor), refetchInterval: c.status === "running" ? 5000 : false });
  // A campaign that finishes between two polls would otherwise keep showing
  // its recipients as they were at the last one.
  const seen = useRef(c.status);
  const { refetch } = q;
  useEffect(() => {
    if (seen.current === c.status) return;
    seen.current = c.status;
    void refetch();
  }, [c.status, refetch]);
  const conns = useQuery(connectionsQuery).data?.data ?? [];
  const filterId = useId();
  const rows = q.data?.data ?? [];
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-end justify-between gap-3">
        <div>
          <CardTitle>{t("campaigns.detail.recipients_title")}</CardTitle>
          <CardDescription>{t("campaigns.detail.recipients_help")}</CardDescription>
        </div>
        <div className="flex items-center gap-2">
          <Label htmlFor={filterId} className="whitespace-nowrap">
            {t("campaigns.detail.filter_status")}
          </Label>
          <Select
            id={filterId}
            className="h-9 w-44"
            value={status}
            onChange={(e) => {
              const next = new URLSearchParams(params);
              if (e.target.value) next.set("status", e.target.value);
              else next.delete("status");
              setParams(next, { replace: true });
              setCursors([""]);
            }}
          >
            <option value="">{t("campaigns.detail.all_statuses")}</option>
            {RECIPIENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`campaigns.recipient_status.${s}`)}
              </option>
            ))}
          </Select>
        </div>
      </CardHeader>
      <CardContent>
        {q.isError && <QueryError error={q.error} onRetry={() => q.refetch()} />}
        {q.isPending && <Spinner />}
        {q.data && rows.length === 0 && (
          <EmptyState title={status ? t("campaigns.detail.no_recipients_status") : t("campaigns.detail.no_recipients")} />
        )}
        {rows.length > 0 && (
          <Table data-testid="recipients-table">
            <THead>
              <TR>
                <TH>{t("campaigns.detail.col_phone")}</TH>
                <TH>{t("campaigns.detail.col_status")}</TH>
                <TH className="hidden md:table-cell">{t("campaigns.detail.col_connection")}</TH>
                <TH className="hidden sm:table-cell">{t("campaigns.detail.col_updated")}</TH>
              </TR>
            </THead>
            <TBody>
              {rows.map((r) => (
                <TR key={r.contact_id} data-testid="recipient-row">
                  <TD className="whitespace-nowrap">
                    {r.conversation_id ? (
                      <Link to={`/inbox/${r.conversation_id}`} className="text-primary hover:underline">
                        {formatPhone(r.phone)}
                      </Link>
                    ) : (
                      formatPhone(r.phone)
                    )}
                  </TD>
                  <TD>
                    <Badge tone={r.status === "failed" ? "danger" : r.status === "read" || r.status === "replied" ? "brand" : "neutral"}>
                      {t(`campaigns.recipient_status.${r.status}`, { defaultValue: r.status })}
                    </Badge>
                    {r.error_code && (
                      <p className="mt-1 max-w-xs text-xs text-muted-foreground">
                        {t(`campaigns.reason.${r.error_code}`, { defaultValue: "" }) || r.error_reason || r.error_code}
                      </p>
                    )}
                  </TD>
                  <TD className="hidden md:table-cell">{conns.find((x) => x.id === r.connection_id)?.name ?? "—"}</TD>
                  <TD className="hidden whitespace-nowrap text-muted-foreground sm:table-cell">{dates.dateTime(r.sent_at ?? r.updated_at)}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
        )}
        {(cursors.length > 1 || q.data?.next_cursor) && (
          <div className="mt-4 flex justify-end gap-2">
            <Button variant="outline" size="sm" disabled={cursors.length <= 1} onClick={() => setCursors((x) => x.slice(0, -1))}>
              <ChevronLeft className="h-4 w-4" aria-hidden />
              {t("campaigns.detail.previous")}
            </Button>
            <Button
              variant="outline"
              size="sm"
              disabled={!q.data?.next_cursor}
              onClick={() => q.data?.next_cursor && setCursors((x) => [...x, q.data!.next_cursor!])}
            >
              {t("campaigns.detail.next")}
              <ChevronRight className="h-4 w-4" aria-hidden />
            </Button>
          </div>
        )}
      </CardContent>
    </Card>
  );
}

function StatusNote({ c }: { c: Campaign }) {
  const { t } = useTranslation();
  const dates = useDates();
  if (c.status === "paused" && c.status_reason) {
    return (
      <Alert tone="warning">
        <p className="font-medium">{t("campaigns.detail.auto_paused")}</p>
        <p data-testid="pause-reason">{t(`campaigns.pause_reason.${c.status_reason}`, { defaultValue: t("campaigns.pause_reason.other") })}</p>
      </Alert>
    );
  }
  if (c.status === "paused") return <Alert>{t("campaigns.detail.paused_by_user")}</Alert>;
  if (c.status === "running" && (c.status_reason === "messaging_limit" || c.status_reason === "daily_cap")) {
    return (
      <Alert tone="warning">
        <p data-testid="wait-reason">{t(`campaigns.wait_reason.${c.status_reason}`)}</p>
      </Alert>
    );
  }
  if (c.status === "scheduled" && c.schedule?.start_at) {
    return <Alert>{t("campaigns.detail.scheduled_note", { when: dates.dateTime(c.schedule.start_at) })}</Alert>;
  }
  if (c.status === "running" && c.schedule?.window) {
    const w = c.schedule.window;
    return <Alert>{t("campaigns.detail.window_note", { from: w.start, to: w.end })}</Alert>;
  }
  if (c.status === "canceled") return <Alert>{t("campaigns.detail.canceled_note")}</Alert>;
  return null;
}

export function CampaignDetailPage() {
  const { id = "" } = useParams();
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const toast = useToast();
  const dates = useDates();
  const admin = isAdmin(useMe().role);
  const live = useCampaignEvents();
  const q = useQuery({ ...campaignQuery(id), refetchInterval: (x) => (x.state.data ? pollEvery(x.state.data, live) : false) });
  const c = q.data;
  useTitle(c ? `${c.name} · ${t("nav.campaigns")}` : t("nav.campaigns"));
  const measured = useMeasuredPace(c);
  const [confirm, setConfirm] = useState<"cancel" | "delete" | null>(null);
  const act = useMutation({
    mutationFn: (a: "pause" | "resume" | "cancel" | "duplicate") => campaignsApi.action(id, a),
    onSuccess: (res, a) => {
      setConfirm(null);
      void qc.invalidateQueries({ queryKey: campaignKeys.all });
      if (a === "duplicate") {
        toast(t("campaigns.detail.duplicated"));
        navigate(`/campaigns/${res.id}/edit`);
      } else {
        qc.setQueryData(campaignKeys.one(id), res);
        toast(t(`campaigns.detail.done_${a}`));
      }
    },
  });
  const remove = useMutation({
    mutationFn: () => campaignsApi.remove(id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: campaignKeys.all });
      toast(t("campaigns.detail.deleted"));
      navigate("/campaigns");
    },
  });
  if (q.isPending) return <Spinner />;
  if (q.isError || !c) return <QueryError error={q.error} onRetry={() => q.refetch()} />;
  const s = c.stats;
  const eta = c.status === "running" ? etaSeconds(s, measured, c.rate_per_second, c.connection_ids.length) : null;
  const nf = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 });
  const canCancel = ["scheduled", "running", "paused"].includes(c.status);
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link to="/campaigns" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
          <ArrowLeft className="h-4 w-4" aria-hidden />
          {t("nav.campaigns")}
        </Link>
        <div className="mt-2 flex flex-col gap-3 lg:flex-row lg:items-start lg:justify-between">
          <div className="min-w-0">
            <div className="flex flex-wrap items-center gap-2">
              <h1 className="text-2xl font-semibold tracking-tight break-words">{c.name}</h1>
              <StatusBadge status={c.status} />
            </div>
            <p className="mt-1 text-sm text-muted-foreground">
              {c.started_at ? t("campaigns.started_at", { when: dates.dateTime(c.started_at) }) : t("campaigns.created_at", { when: dates.dateTime(c.created_at) })}
              {c.finished_at ? ` · ${t("campaigns.finished_at", { when: dates.dateTime(c.finished_at) })}` : ""}
            </p>
          </div>
          <div className="flex flex-wrap gap-2">
            {admin && c.status === "draft" && (
              <Button asChild>
                <Link to={`/campaigns/${c.id}/edit`}>
                  <Pencil className="h-4 w-4" aria-hidden />
                  {t("campaigns.continue_editing")}
                </Link>
              </Button>
            )}
            {admin && (c.status === "running" || c.status === "scheduled") && (
              <Button variant="outline" onClick={() => act.mutate("pause")} disabled={act.isPending}>
                <Pause className="h-4 w-4" aria-hidden />
                {t("campaigns.detail.pause")}
              </Button>
            )}
            {admin && c.status === "paused" && (
              <Button onClick={() => act.mutate("resume")} disabled={act.isPending}>
                <Play className="h-4 w-4" aria-hidden />
                {t("campaigns.detail.resume")}
              </Button>
            )}
            {admin && canCancel && (
              <Button variant="outline" onClick={() => setConfirm("cancel")} disabled={act.isPending}>
                <XCircle className="h-4 w-4" aria-hidden />
                {t("campaigns.detail.cancel")}
              </Button>
            )}
            {admin && (
              <Button variant="outline" onClick={() => act.mutate("duplicate")} disabled={act.isPending}>
                <Copy className="h-4 w-4" aria-hidden />
                {t("campaigns.detail.duplicate")}
              </Button>
            )}
            {c.status !== "draft" && (
              <Button variant="outline" asChild>
                <a href={campaignLinks.report(c.id)} download data-testid="campaign-report">
                  <Download className="h-4 w-4" aria-hidden />
                  {t("campaigns.detail.report")}
                </a>
              </Button>
            )}
            {admin && !canCancel && (
              <Button variant="ghost" onClick={() => setConfirm("delete")} aria-label={t("campaigns.detail.delete")}>
                <Trash2 className="h-4 w-4" aria-hidden />
                <span className="lg:sr-only">{t("campaigns.detail.delete")}</span>
              </Button>
            )}
          </div>
        </div>
      </div>
      <StatusNote c={c} />
      {c.status === "draft" ? (
        <Card>
          <EmptyState title={t("campaigns.detail.draft_title")}>{t("campaigns.detail.draft_help")}</EmptyState>
        </Card>
      ) : (
        <>
          <Card>
            <CardHeader>
              <CardTitle>{t("campaigns.detail.progress_title")}</CardTitle>
            </CardHeader>
            <CardContent className="flex flex-col gap-4">
              <CampaignProgress stats={s} />
              {c.status === "running" && (
                <p className="text-sm text-muted-foreground" data-testid="campaign-eta">
                  {measured !== null && `${t("campaigns.detail.pace", { n: nf.format(measured * 60) })} · `}
                  {eta !== null ? t("campaigns.detail.eta", { time: formatDuration(eta, i18n.language) }) : t("campaigns.detail.eta_unknown")}
                </p>
              )}
              <Counters s={s} />
            </CardContent>
          </Card>
          <Funnel s={s} />
          <Failures c={c} />
          <Recipients c={c} />
        </>
      )}
      <ConfirmDialog
        open={confirm === "cancel"}
        onOpenChange={(o) => !o && setConfirm(null)}
        title={t("campaigns.detail.cancel_title")}
        description={t("campaigns.detail.cancel_help")}
        confirmLabel={t("campaigns.detail.cancel_confirm")}
        onConfirm={() => act.mutate("cancel")}
        pending={act.isPending}
      />
      <ConfirmDialog
        open={confirm === "delete"}
        onOpenChange={(o) => !o && setConfirm(null)}
        title={t("campaigns.detail.delete_title")}
        description={t("campaigns.detail.delete_help")}
        confirmLabel={t("campaigns.detail.delete")}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
      />
    </div>
  );
}
