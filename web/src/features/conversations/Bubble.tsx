import { useTranslation } from "react-i18next";
import { AlertCircle, Check, CheckCheck, Clock, FileDown, Reply } from "lucide-react";
import type { Message } from "./api";
import { cn } from "../../lib/cn";

function time(iso: string | null | undefined, lang: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }).format(d);
}

/** WhatsApp's ticks: a clock while queued, one tick sent, two delivered, two blue read. */
export function Ticks({ status }: { status: Message["status"] }) {
  const { t } = useTranslation();
  const label = t(`messages.status.${status}`, { defaultValue: status });
  const common = "h-3.5 w-3.5 shrink-0";
  let icon;
  switch (status) {
    case "queued":
      icon = <Clock className={common} aria-hidden />;
      break;
    case "sent":
      icon = <Check className={common} aria-hidden />;
      break;
    case "delivered":
      icon = <CheckCheck className={common} aria-hidden />;
      break;
    case "read":
      icon = <CheckCheck className={cn(common, "text-tick-read")} aria-hidden />;
      break;
    case "failed":
      icon = <AlertCircle className={cn(common, "text-danger")} aria-hidden />;
      break;
    default:
      return null;
  }
  return (
    <span title={label} data-testid="ticks" data-status={status} className="inline-flex">
      {icon}
      <span className="sr-only">{label}</span>
    </span>
  );
}

function MediaPart({ m }: { m: Message }) {
  const { t } = useTranslation();
  const media = m.media;
  if (!media) return null;
  if (media.status === "pending") return <p className="text-xs italic opacity-70">{t("messages.media_pending")}</p>;
  if (media.status === "failed")
    return (
      <p className="flex items-start gap-1 text-xs text-danger">
        <AlertCircle className="mt-0.5 h-3.5 w-3.5 shrink-0" aria-hidden />
        <span>{t("messages.media_failed", { error: media.error || t("messages.no_reason") })}</span>
      </p>
    );
  if (!media.url) return null;
  if ((media.mime_type ?? "").startsWith("image/") || m.type === "image" || m.type === "sticker")
    return (
      <a href={media.url} target="_blank" rel="noreferrer" className="block">
        <img src={media.url} alt={media.filename || t("messages.image")} className="max-h-64 rounded-md object-contain" loading="lazy" />
      </a>
    );
  return (
    <a href={media.url} download={media.filename || true} className="flex items-center gap-2 rounded-md bg-black/5 px-2 py-1.5 text-sm underline dark:bg-white/10">
      <FileDown className="h-4 w-4 shrink-0" aria-hidden />
      <span className="truncate">{media.filename || t(`messages.kind.${m.type}`, { defaultValue: t("messages.file") })}</span>
    </a>
  );
}

/** One message as a chat bubble: the contact's on the left, ours on the right. */
export function Bubble({ m }: { m: Message }) {
  const { t, i18n } = useTranslation();
  const out = m.direction === "outbound";
  const reply = (m.content as { reply?: { id?: string; title?: string } } | null)?.reply;
  const failed = m.status === "failed";
  return (
    <div className={cn("flex", out ? "justify-end" : "justify-start")} data-testid="bubble" data-direction={m.direction}>
      <div
        className={cn(
          "relative flex max-w-[85%] flex-col gap-1 rounded-lg px-2.5 py-1.5 text-sm text-foreground shadow-sm sm:max-w-[70%]",
          out ? "rounded-tr-none bg-bubble-out" : "rounded-tl-none bg-bubble-in",
        )}
      >
        <MediaPart m={m} />
        {reply?.id && (
          <span className="flex items-center gap-1 text-xs opacity-70">
            <Reply className="h-3 w-3" aria-hidden />
            {t("messages.button_reply", { payload: reply.id })}
          </span>
        )}
        {m.text && <p className="break-words whitespace-pre-wrap">{m.text}</p>}
        {!m.text && !m.media && !reply && (
          <p className="italic opacity-70">{t(`messages.kind.${m.type}`, { defaultValue: t("messages.unsupported") })}</p>
        )}
        {failed && (
          <p className="text-xs text-danger" data-testid="bubble-failed">
            {t("messages.failed", { error: m.error_reason || m.error_code || t("messages.no_reason") })}
          </p>
        )}
        <span className="flex items-center justify-end gap-1 self-end text-[11px] leading-none text-muted-foreground">
          {time(m.created_at, i18n.language)}
          {out && <Ticks status={m.status} />}
        </span>
      </div>
    </div>
  );
}

/** A scrolling timeline on WhatsApp's wallpaper colour. */
export function Timeline({ messages, className, empty }: { messages: Message[]; className?: string; empty?: string }) {
  return (
    <div className={cn("flex flex-col gap-1.5 bg-chat p-3", className)} data-testid="timeline">
      {messages.length === 0 && empty && <p className="m-auto max-w-xs text-center text-sm text-muted-foreground">{empty}</p>}
      {messages.map((m) => (
        <Bubble key={m.id} m={m} />
      ))}
    </div>
  );
}
