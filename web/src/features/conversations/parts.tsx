import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Conversation, ConversationStatus, Label } from "./api";
import { initials } from "./logic";
import { cn } from "../../lib/cn";
import type { Availability } from "../auth/api";

const DOT: Record<Availability, string> = { online: "bg-green-500", away: "bg-amber-500", offline: "bg-neutral-400" };

export function AvailabilityDot({ value, className }: { value: Availability | undefined; className?: string }) {
  return <span className={cn("inline-block h-2.5 w-2.5 shrink-0 rounded-full", DOT[value ?? "offline"], className)} aria-hidden />;
}

const STATUS_TONE: Record<ConversationStatus, string> = {
  open: "bg-accent text-accent-foreground",
  pending: "bg-warning-soft text-warning-foreground",
  snoozed: "bg-muted text-muted-foreground",
  resolved: "bg-muted text-foreground",
};

export function StatusBadge({ status }: { status: ConversationStatus }) {
  const { t } = useTranslation();
  return (
    <span className={cn("inline-flex shrink-0 items-center rounded-full px-2 py-0.5 text-[11px] font-medium", STATUS_TONE[status])} data-testid="status-badge">
      {t(`inbox.status.${status}`)}
    </span>
  );
}

/** A round badge with a person's initials. */
export function Avatar({ name, className, title }: { name: string; className?: string; title?: string }) {
  return (
    <span
      className={cn("inline-flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-primary/15 text-[10px] font-semibold text-primary", className)}
      title={title ?? name}
      aria-label={title ?? name}
    >
      {initials(name)}
    </span>
  );
}

export function LabelChip({ label, onRemove }: { label: Pick<Label, "name" | "color">; onRemove?: () => void }) {
  const { t } = useTranslation();
  return (
    <span
      className="inline-flex max-w-36 items-center gap-1 rounded-full px-2 py-0.5 text-[11px] font-medium text-white"
      style={{ background: label.color || "#525252" }}
      data-testid="label-chip"
    >
      <span className="truncate">{label.name}</span>
      {onRemove && (
        <button type="button" onClick={onRemove} className="rounded-full px-0.5 hover:bg-black/20" aria-label={t("inbox.labels.remove", { name: label.name })}>
          ×
        </button>
      )}
    </span>
  );
}

/** The list row's preview: the last message's text, or its kind. */
export function usePreview(c: Conversation): string {
  const { t } = useTranslation();
  const m = c.last_message;
  if (!m) return "";
  const body = m.text || t(`messages.kind.${m.type}`, { defaultValue: m.type });
  if (m.type === "note") return t("inbox.list.note_preview", { text: body });
  if (m.type === "reaction") return m.direction === "outbound" ? t("inbox.list.you_reacted", { emoji: m.text }) : t("inbox.list.reacted", { emoji: m.text });
  return m.direction === "outbound" ? t("inbox.list.you", { text: body }) : body;
}

/** True while the media query matches, following resizes. */
export function useMedia(query: string): boolean {
  const [on, setOn] = useState(() => typeof window !== "undefined" && window.matchMedia(query).matches);
  useEffect(() => {
    const m = window.matchMedia(query);
    const f = () => setOn(m.matches);
    m.addEventListener("change", f);
    return () => m.removeEventListener("change", f);
  }, [query]);
  return on;
}
