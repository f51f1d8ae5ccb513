import { useTranslation } from "react-i18next";
import { Badge } from "../../components/ui/badge";
import { cn } from "../../lib/cn";
import type { CampaignStatus, Stats } from "./api";
import { doneCount, progressPercent } from "./logic";

export function StatusBadge({ status }: { status: CampaignStatus }) {
  const { t } = useTranslation();
  const tone = status === "running" || status === "completed" ? "brand" : "neutral";
  return (
    <Badge
      tone={tone}
      data-testid="campaign-status"
      data-status={status}
      className={cn(status === "paused" && "bg-warning-soft text-warning-foreground", status === "canceled" && "text-muted-foreground")}
    >
      {t(`campaigns.status.${status}`, { defaultValue: status })}
    </Badge>
  );
}

/** The share of the audience already settled, with the counts in words. */
export function CampaignProgress({ stats, size = "md" }: { stats: Stats; size?: "sm" | "md" }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  const pct = progressPercent(stats);
  const share = (n: number) => (stats.total ? (n / stats.total) * 100 : 0);
  const failedPct = share(stats.failed);
  const skippedPct = share(stats.skipped);
  const okPct = Math.max(0, share(doneCount(stats)) - failedPct - skippedPct);
  return (
    <div className="flex flex-col gap-1.5">
      <div
        className={cn("flex w-full overflow-hidden rounded-full bg-muted", size === "sm" ? "h-2" : "h-3")}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-label={t("campaigns.progress_label")}
        data-testid="campaign-progress"
      >
        <div className="h-full bg-primary transition-[width] duration-500" style={{ width: `${okPct}%` }} />
        <div className="h-full bg-danger/70 transition-[width] duration-500" style={{ width: `${failedPct}%` }} />
        <div className="h-full bg-muted-foreground/40 transition-[width] duration-500" style={{ width: `${skippedPct}%` }} />
      </div>
      <div className="flex flex-wrap justify-between gap-x-3 text-xs text-muted-foreground">
        <span data-testid="campaign-progress-text">
          {t("campaigns.progress_text", { done: nf.format(doneCount(stats)), total: nf.format(stats.total), percent: pct })}
        </span>
        {stats.failed + stats.skipped > 0 && (
          <span>{t("campaigns.not_sent_count", { count: stats.failed + stats.skipped, n: nf.format(stats.failed + stats.skipped) })}</span>
        )}
      </div>
    </div>
  );
}
