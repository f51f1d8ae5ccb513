import { useTranslation } from "react-i18next";
import { Badge } from "../../components/ui/badge";
import type { Connection } from "./api";
import { cn } from "../../lib/cn";

export function TypeBadge({ type }: { type: Connection["type"] }) {
  const { t } = useTranslation();
  return <Badge tone={type === "simulator" ? "neutral" : "brand"}>{t(`connections.type.${type}`, { defaultValue: type })}</Badge>;
}

export function StatusBadge({ status }: { status: Connection["status"] }) {
  const { t } = useTranslation();
  const tone = status === "active" ? "brand" : status === "needs_attention" ? "danger" : "neutral";
  return (
    <Badge tone={tone} data-testid="connection-status">
      {t(`connections.status.${status}`, { defaultValue: status })}
    </Badge>
  );
}

const qualityColors: Record<string, string> = {
  GREEN: "bg-green-600",
  YELLOW: "bg-amber-500",
  RED: "bg-red-600",
};

/** Meta's quality rating as a coloured dot and a word. */
export function Quality({ rating, bare }: { rating?: string; bare?: boolean }) {
  const { t } = useTranslation();
  if (!rating) return null;
  const key = rating.toUpperCase();
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-muted-foreground">
      <span className={cn("h-2 w-2 rounded-full", qualityColors[key] ?? "bg-muted-foreground")} aria-hidden />
      {bare
        ? t(`connections.quality_rating.${key}`, { defaultValue: rating })
        : t("connections.quality", { rating: t(`connections.quality_rating.${key}`, { defaultValue: rating }) })}
    </span>
  );
}
