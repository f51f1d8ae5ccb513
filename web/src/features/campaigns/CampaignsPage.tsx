import { Link } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ChevronRight, FlaskConical, Megaphone, Plus } from "lucide-react";
import { campaignsQuery, type Campaign } from "./api";
import { CampaignProgress, StatusBadge } from "./parts";
import { useCampaignEvents } from "./useCampaignEvents";
import { connectionsQuery } from "../connections/api";
import { Card } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Spinner } from "../../components/ui/misc";
import { QueryError } from "../../components/query-error";
import { useTitle } from "../../lib/useTitle";
import { useDates } from "../settings/useDates";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";

function CampaignRow({ c }: { c: Campaign }) {
  const { t, i18n } = useTranslation();
  const dates = useDates();
  const nf = new Intl.NumberFormat(i18n.language);
  const s = c.stats;
  const to = c.status === "draft" ? `/campaigns/${c.id}/edit` : `/campaigns/${c.id}`;
  const counts = [
    ["sent", s.sent + s.delivered + s.read + s.replied],
    ["read", s.read + s.replied],
    ["replied", s.replied],
    ["failed", s.failed],
  ] as const;
  return (
    <Card className="flex flex-col gap-3 p-4 sm:p-5" data-testid="campaign-row">
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <Link to={to} className="truncate font-medium hover:underline">
              {c.name}
            </Link>
            <StatusBadge status={c.status} />
          </div>
          <p className="mt-1 text-xs text-muted-foreground">
            {c.status === "draft"
              ? t("campaigns.created_at", { when: dates.dateTime(c.created_at) })
              : c.status === "scheduled" && c.schedule?.start_at
                ? t("campaigns.scheduled_for", { when: dates.dateTime(c.schedule.start_at) })
                : t("campaigns.started_at", { when: dates.dateTime(c.started_at ?? c.created_at) })}
          </p>
        </div>
        <Button variant="ghost" size="sm" asChild>
          <Link to={to} aria-label={t("campaigns.open", { name: c.name })}>
            <span className="hidden sm:inline">{c.status === "draft" ? t("campaigns.continue_editing") : t("campaigns.details")}</span>
            <ChevronRight className="h-4 w-4" aria-hidden />
          </Link>
        </Button>
      </div>
      {c.status !== "draft" && (
        <>
          <CampaignProgress stats={s} size="sm" />
          <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
            {counts.map(([k, v]) => (
              <div key={k} className="flex items-baseline gap-1.5">
                <dt className="text-muted-foreground">{t(`campaigns.counts.${k}`)}</dt>
                <dd className="font-medium tabular-nums">{nf.format(v)}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </Card>
  );
}

export function CampaignsPage() {
  const { t } = useTranslation();
  useTitle(t("nav.campaigns"));
  const admin = isAdmin(useMe().role);
  const live = useCampaignEvents();
  const list = useQuery({
    ...campaignsQuery,
    // The live feed updates running campaigns; without it, ask again now and then.
    refetchInterval: (q) => (q.state.data?.data.some((c) => c.status === "running" || c.status === "scheduled") ? (live ? 15_000 : 4000) : false),
  });
  const conns = useQuery(connectionsQuery);
  const items = list.data?.data ?? [];
  const noConnection = conns.data && conns.data.data.length === 0;
  return (
    <div>
      <div className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">{t("nav.campaigns")}</h1>
          <p className="mt-1 text-sm text-muted-foreground">{t("campaigns.help")}</p>
        </div>
        {admin && items.length > 0 && (
          <Button asChild>
            <Link to="/campaigns/new">
              <Plus className="h-4 w-4" aria-hidden />
              {t("campaigns.new")}
            </Link>
          </Button>
        )}
      </div>
      {list.isPending && <Spinner />}
      {list.isError && <QueryError error={list.error} onRetry={() => list.refetch()} />}
      {list.data && items.length === 0 && (
        <Card className="flex flex-col items-center gap-3 px-6 py-12 text-center" data-testid="campaigns-empty">
          <span className="flex h-12 w-12 items-center justify-center rounded-full bg-accent text-accent-foreground">
            <Megaphone className="h-6 w-6" aria-hidden />
          </span>
          <p className="text-base font-medium">{t("campaigns.empty")}</p>
          <p className="max-w-md text-sm text-muted-foreground">
            {noConnection ? t("campaigns.empty_no_connection") : t(admin ? "campaigns.empty_help" : "campaigns.empty_help_agent")}
          </p>
          {admin && (
            <div className="mt-2 flex flex-col gap-2 sm:flex-row">
              {noConnection ? (
                <>
                  <Button asChild>
                    <Link to="/connections">{t("campaigns.go_connections")}</Link>
                  </Button>
                  <Button variant="outline" asChild>
                    <Link to="/connections">
                      <FlaskConical className="h-4 w-4" aria-hidden />
                      {t("campaigns.try_simulator")}
                    </Link>
                  </Button>
                </>
              ) : (
                <Button asChild>
                  <Link to="/campaigns/new">
                    <Plus className="h-4 w-4" aria-hidden />
                    {t("campaigns.create_first")}
                  </Link>
                </Button>
              )}
            </div>
          )}
        </Card>
      )}
      {items.length > 0 && (
        <div className="flex flex-col gap-3">
          {items.map((c) => (
            <CampaignRow key={c.id} c={c} />
          ))}
        </div>
      )}
    </div>
  );
}
