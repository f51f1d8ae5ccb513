import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { AlertTriangle, ChevronRight, FlaskConical, LayoutDashboard, Plug } from "lucide-react";
import { dashboardKeys, dashboardQuery, type Dashboard, type Stat } from "./api";
import { filtersFrom, formatSeconds, joinTimes, paramsFor, percent, PRESETS, quietPeriod, throttle, todayIn, type Filters, type Preset } from "./logic";
import { campaignQuery, type Campaign } from "../campaigns/api";
import { CampaignProgress, StatusBadge } from "../campaigns/parts";
import { useCampaignEvents } from "../campaigns/useCampaignEvents";
import { connectionsQuery, type Connection } from "../connections/api";
import { companyQuery } from "../settings/api";
import { onLiveEvent } from "../../app/live";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Input, Label, Select } from "../../components/ui/input";
import { Spinner } from "../../components/ui/misc";
import { Table, TBody, TD, TH, THead, TR } from "../../components/ui/table";
import { QueryError } from "../../components/query-error";
import { useTitle } from "../../lib/useTitle";
import { cn } from "../../lib/cn";

// Recharts is big: it loads with the charts, after the numbers are on screen.
const TrafficChart = lazy(() => import("./Charts").then((m) => ({ default: m.TrafficChart })));
const OptOutsChart = lazy(() => import("./Charts").then((m) => ({ default: m.OptOutsChart })));

function ChartFallback({ height }: { height: number }) {
  return <div style={{ height }} className="animate-pulse rounded-md bg-muted" aria-hidden />;
}

function PeriodPicker({ f, today, onChange }: { f: Filters; today: string; onChange: (next: Partial<Filters>) => void }) {
  const { t } = useTranslation();
  return (
    <div className="flex flex-col gap-2">
      <div role="group" aria-label={t("dashboard.period.label")} className="flex w-fit max-w-full flex-wrap gap-1 rounded-lg bg-muted p-1">
        {PRESETS.map((p) => (
          <button
            key={p}
            type="button"
            aria-pressed={f.preset === p}
            data-testid={`period-${p}`}
            onClick={() => onChange({ preset: p as Preset })}
            className={cn(
              "h-8 rounded-md px-3 text-sm font-medium text-muted-foreground transition-colors hover:text-foreground",
              "focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-ring",
              f.preset === p && "bg-background text-foreground shadow-sm",
            )}
          >
            {t(`dashboard.period.${p}`)}
          </button>
        ))}
      </div>
      {f.preset === "custom" && (
        <div className="flex flex-wrap items-end gap-2">
          <div className="flex flex-col gap-1">
            <Label htmlFor="dash-from">{t("dashboard.period.from")}</Label>
            <Input
              id="dash-from"
              type="date"
              className="w-40"
              value={f.from}
              max={today}
              aria-invalid={f.problem !== ""}
              onChange={(e) => e.target.value && onChange({ from: e.target.value })}
            />
          </div>
          <div className="flex flex-col gap-1">
            <Label htmlFor="dash-to">{t("dashboard.period.to")}</Label>
            <Input
              id="dash-to"
              type="date"
              className="w-40"
              value={f.to}
              aria-invalid={f.problem !== ""}
              onChange={(e) => e.target.value && onChange({ to: e.target.value })}
            />
          </div>
          {f.problem && (
            <p className="w-full text-sm text-danger" role="alert">
              {t(`dashboard.period.${f.problem}`)}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

function Kpi({ label, value, detail, testId }: { label: string; value: string; detail?: ReactNode; testId: string }) {
  return (
    <Card className="flex flex-col gap-1 p-4" data-testid={testId}>
      <span className="text-sm text-muted-foreground">{label}</span>
      <span className="text-2xl font-semibold tabular-nums" data-testid={`${testId}-value`}>
        {value}
      </span>
      {detail && <span className="text-xs text-muted-foreground">{detail}</span>}
    </Card>
  );
}

function Kpis({ d }: { d: Dashboard }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  const lang = i18n.language;
  const c = d.conversations;
  const median = (s: Stat) => (s.count ? formatSeconds(s.median_seconds, lang) : "—");
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
      <Kpi
        testId="kpi-sent"
        label={t("dashboard.kpi.sent")}
        value={nf.format(d.totals.sent)}
        detail={
          [
            d.totals.waiting ? t("dashboard.kpi.waiting", { n: nf.format(d.totals.waiting) }) : "",
            d.totals.failed ? t("dashboard.kpi.failed", { count: d.totals.failed, n: nf.format(d.totals.failed) }) : "",
          ]
            .filter(Boolean)
            .join(" · ") || undefined
        }
      />
      <Kpi testId="kpi-received" label={t("dashboard.kpi.received")} value={nf.format(d.totals.received)} />
      <Kpi
        testId="kpi-delivered"
        label={t("dashboard.kpi.delivery_rate")}
        value={percent(d.delivery_rate, lang)}
        detail={t("dashboard.kpi.of_sent", { n: nf.format(d.totals.delivered), total: nf.format(d.totals.sent) })}
      />
      <Kpi
        testId="kpi-read"
        label={t("dashboard.kpi.read_rate")}
        value={percent(d.read_rate, lang)}
        detail={t("dashboard.kpi.of_sent", { n: nf.format(d.totals.read), total: nf.format(d.totals.sent) })}
      />
      <Kpi
        testId="kpi-active"
        label={t("dashboard.kpi.active")}
        value={nf.format(c.active)}
        detail={t("dashboard.kpi.active_detail", { open: nf.format(c.open), pending: nf.format(c.pending), snoozed: nf.format(c.snoozed) })}
      />
      <Kpi
        testId="kpi-first-response"
        label={t("dashboard.kpi.first_response")}
        value={median(d.first_response.overall)}
        detail={d.first_response.overall.count ? t("dashboard.kpi.median_of", { count: d.first_response.overall.count, n: nf.format(d.first_response.overall.count) }) : t("dashboard.kpi.none_yet")}
      />
      <Kpi
        testId="kpi-resolution"
        label={t("dashboard.kpi.resolution")}
        value={median(d.resolution.overall)}
        detail={d.resolution.overall.count ? t("dashboard.kpi.median_of", { count: d.resolution.overall.count, n: nf.format(d.resolution.overall.count) }) : t("dashboard.kpi.none_yet")}
      />
      <Kpi
        testId="kpi-opt-outs"
        label={t("dashboard.kpi.opt_outs")}
        value={nf.format(d.totals.opt_outs)}
        detail={t("dashboard.kpi.opt_outs_detail")}
      />
    </div>
  );
}

/** A running campaign, kept live by campaign.progress events (useCampaignEvents puts them in its cached query). */
function RunningCampaign({ c }: { c: Campaign }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  const live = useQuery({ ...campaignQuery(c.id), initialData: c, staleTime: 30_000 }).data;
  const s = live.stats;
  return (
    <li className="flex flex-col gap-2 py-3 first:pt-0 last:pb-0" data-testid="dashboard-campaign">
      <div className="flex items-center justify-between gap-2">
        <Link to={`/campaigns/${c.id}`} className="min-w-0 truncate font-medium hover:underline">
          {live.name}
        </Link>
        <StatusBadge status={live.status} />
      </div>
      <CampaignProgress stats={s} size="sm" />
      <p className="text-xs text-muted-foreground">
        {t("dashboard.campaigns.counts", {
          sent: nf.format(s.sent + s.delivered + s.read + s.replied),
          read: nf.format(s.read + s.replied),
          failed: nf.format(s.failed),
        })}
      </p>
    </li>
  );
}

function TimesTable({ d }: { d: Dashboard }) {
  const { t, i18n } = useTranslation();
  const [kind, setKind] = useState<"agents" | "teams">("agents");
  const rows = joinTimes(d.first_response, d.resolution, kind);
  const lang = i18n.language;
  const cell = (s: Stat | null) =>
    s && s.count ? (
      <span className="tabular-nums">
        {formatSeconds(s.median_seconds, lang)}
        <span className="block text-xs text-muted-foreground">
          {t("dashboard.times.avg", { value: formatSeconds(s.average_seconds, lang) })} · {s.count}
        </span>
      </span>
    ) : (
      <span className="text-muted-foreground">—</span>
    );
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-2">
        <div>
          <CardTitle>{t("dashboard.times.title")}</CardTitle>
          <CardDescription>{t("dashboard.times.help")}</CardDescription>
        </div>
        <div role="group" aria-label={t("dashboard.times.group_by")} className="flex gap-1 rounded-lg bg-muted p-1">
          {(["agents", "teams"] as const).map((k) => (
            <button
              key={k}
              type="button"
              aria-pressed={kind === k}
              onClick={() => setKind(k)}
              className={cn(
                "h-7 rounded-md px-3 text-sm text-muted-foreground focus-visible:outline-2 focus-visible:outline-ring",
                kind === k && "bg-background text-foreground shadow-sm",
              )}
            >
              {t(`dashboard.times.${k}`)}
            </button>
          ))}
        </div>
      </CardHeader>
      <CardContent>
        {rows.length === 0 ? (
          <p className="py-4 text-sm text-muted-foreground">{t("dashboard.times.empty")}</p>
        ) : (
          <Table data-testid="times-table">
            <THead>
              <TR>
                <TH>{t(kind === "agents" ? "dashboard.times.agent" : "dashboard.times.team")}</TH>
                <TH>{t("dashboard.times.first_response")}</TH>
                <TH>{t("dashboard.times.resolution")}</TH>
              </TR>
            </THead>
            <TBody>
              {rows.map((r) => (
                <TR key={r.id} data-testid="times-row">
                  <TD className="font-medium">{r.name || t("dashboard.times.unnamed")}</TD>
                  <TD>{cell(r.firstResponse)}</TD>
                  <TD>{cell(r.resolution)}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

function Failures({ d }: { d: Dashboard }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("dashboard.failures.title")}</CardTitle>
        <CardDescription>{t("dashboard.failures.help")}</CardDescription>
      </CardHeader>
      <CardContent>
        {d.failures.length === 0 ? (
          <p className="py-4 text-sm text-muted-foreground">{t("dashboard.failures.empty")}</p>
        ) : (
          <ul className="flex flex-col divide-y divide-border" data-testid="failures">
            {d.failures.map((f) => (
              <li key={f.code} className="flex items-start gap-3 py-2.5" data-testid="failure">
                <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0 text-danger" aria-hidden />
                <div className="min-w-0 flex-1">
                  <p className="text-sm">{f.meaning || t("dashboard.failures.unknown")}</p>
                  <p className="text-xs text-muted-foreground">{t("dashboard.failures.code", { code: f.code || "—" })}</p>
                </div>
                <span className="text-sm font-semibold tabular-nums">{nf.format(f.count)}</span>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function NoConnection() {
  const { t } = useTranslation();
  return (
    <Card className="flex flex-col items-center gap-3 px-6 py-12 text-center" data-testid="dashboard-empty">
      <span className="flex h-12 w-12 items-center justify-center rounded-full bg-accent text-accent-foreground">
        <LayoutDashboard className="h-6 w-6" aria-hidden />
      </span>
      <p className="text-base font-medium">{t("dashboard.empty.title")}</p>
      <p className="max-w-md text-sm text-muted-foreground">{t("dashboard.empty.help")}</p>
      <div className="mt-2 flex flex-col gap-2 sm:flex-row">
        <Button asChild>
          <Link to="/connections">
            <Plug className="h-4 w-4" aria-hidden />
            {t("dashboard.empty.connect")}
          </Link>
        </Button>
        <Button variant="outline" asChild>
          <Link to="/connections">
            <FlaskConical className="h-4 w-4" aria-hidden />
            {t("dashboard.empty.simulator")}
          </Link>
        </Button>
      </div>
    </Card>
  );
}

/** A quiet period: say so, and point at the Simulator when there is one. */
function QuietHint({ sim }: { sim: Connection | undefined }) {
  const { t } = useTranslation();
  return (
    <p className="mt-2 text-sm text-muted-foreground" data-testid="dashboard-quiet">
      {t("dashboard.quiet")}{" "}
      {sim && (
        <Link to={`/connections/${sim.id}/simulator`} className="text-primary hover:underline">
          {t("dashboard.quiet_simulator")}
        </Link>
      )}
    </p>
  );
}

export function DashboardPage() {
  const { t } = useTranslation();
  useTitle(t("nav.dashboard"));
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const company = useQuery({ ...companyQuery, staleTime: 5 * 60_000 });
  const conns = useQuery(connectionsQuery);
  const today = todayIn(company.data?.time_zone);
  const f = filtersFrom(params, today);
  const ready = company.isSuccess && f.problem === "";
  const dash = useQuery({
    ...dashboardQuery({ from: f.from, to: f.to, connection: f.connection }),
    enabled: ready,
    // The numbers move as messages come in; live events below refresh sooner.
    refetchInterval: 60_000,
  });
  useCampaignEvents();
  // Messages and conversations change the figures: refresh at most every
  // five seconds however busy the feed is, and never restart a refresh
  // still running (a long period at a large volume takes a while).
  const refresh = useMemo(
    () => throttle(() => void qc.invalidateQueries({ queryKey: dashboardKeys.all }, { cancelRefetch: false }), 5000),
    [qc],
  );
  useEffect(
    () =>
      onLiveEvent((ev) => {
        if (ev.type.startsWith("message.") || ev.type.startsWith("conversation.") || ev.type === "contact.consent") refresh();
      }),
    [refresh],
  );

  // From the URL as it is now, not as this render saw it: two quick edits
  // (the two dates) must not undo each other.
  const change = (next: Partial<Filters>) =>
    setParams((prev) => paramsFor({ ...filtersFrom(prev, today), ...next }), { replace: true });
  const connections = conns.data?.data ?? [];
  const sim = connections.find((c) => c.type === "simulator");
  const d = dash.data;

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">{t("nav.dashboard")}</h1>
          <p className="mt-1 text-sm text-muted-foreground">
            {d ? t("dashboard.help_zone", { zone: d.time_zone }) : t("dashboard.help")}
          </p>
        </div>
        {connections.length > 0 && (
          <div className="flex flex-col gap-3 md:flex-row md:flex-wrap md:items-start">
            <PeriodPicker f={f} today={today} onChange={change} />
            <div className="flex flex-col gap-1 md:w-64">
              <Label htmlFor="dash-connection" className="sr-only">
                {t("dashboard.connection")}
              </Label>
              <Select id="dash-connection" value={f.connection} onChange={(e) => change({ connection: e.target.value })}>
                <option value="">{t("dashboard.all_connections")}</option>
                {connections.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </Select>
            </div>
          </div>
        )}
      </div>

      {conns.data && connections.length === 0 && <NoConnection />}
      {connections.length > 0 && (
        <>
          {(company.isPending || (ready && dash.isPending)) && <Spinner />}
          {dash.isError && <QueryError error={dash.error} onRetry={() => dash.refetch()} />}
          {d && (
            <div className={cn("flex flex-col gap-6 transition-opacity", dash.isPlaceholderData && "opacity-60")} data-testid="dashboard">
              <Kpis d={d} />
              <Card>
                <CardHeader>
                  <CardTitle>{t("dashboard.chart.title")}</CardTitle>
                  <CardDescription>{t("dashboard.chart.help")}</CardDescription>
                  {quietPeriod(d) && <QuietHint sim={sim} />}
                </CardHeader>
                <CardContent>
                  <Suspense fallback={<ChartFallback height={260} />}>
                    <TrafficChart days={d.days} channels={d.channels} />
                  </Suspense>
                </CardContent>
              </Card>
              <div className="grid gap-6 lg:grid-cols-2">
                <Card>
                  <CardHeader>
                    <CardTitle>{t("dashboard.campaigns.title")}</CardTitle>
                    <CardDescription>{t("dashboard.campaigns.help")}</CardDescription>
                  </CardHeader>
                  <CardContent>
                    {d.campaigns.length === 0 ? (
                      <p className="py-4 text-sm text-muted-foreground">
                        {t("dashboard.campaigns.empty")}{" "}
                        <Link to="/campaigns" className="text-primary hover:underline">
                          {t("dashboard.campaigns.go")}
                        </Link>
                      </p>
                    ) : (
                      <ul className="flex flex-col divide-y divide-border">
                        {d.campaigns.map((c) => (
                          <RunningCampaign key={c.id} c={c} />
                        ))}
                      </ul>
                    )}
                    {d.campaigns.length > 0 && (
                      <Link to="/campaigns" className="mt-3 inline-flex items-center gap-1 text-sm text-primary hover:underline">
                        {t("dashboard.campaigns.all")}
                        <ChevronRight className="h-4 w-4" aria-hidden />
                      </Link>
                    )}
                  </CardContent>
                </Card>
                <Failures d={d} />
              </div>
              <div className="grid gap-6 lg:grid-cols-2">
                <TimesTable d={d} />
                <Card>
                  <CardHeader>
                    <CardTitle>{t("dashboard.chart.opt_outs_title")}</CardTitle>
                    <CardDescription>{t("dashboard.chart.opt_outs_help")}</CardDescription>
                  </CardHeader>
                  <CardContent>
                    <Suspense fallback={<ChartFallback height={180} />}>
                      <OptOutsChart days={d.days} />
                    </Suspense>
                  </CardContent>
                </Card>
              </div>
            </div>
          )}
        </>
      )}
    </div>
  );
}
