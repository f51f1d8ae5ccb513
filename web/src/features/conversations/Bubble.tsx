import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import {
  AlertCircle,
  CalendarClock,
  Check,
  CheckCheck,
  Clock,
  ExternalLink,
  FileDown,
  FileText,
  MapPin,
  Pencil,
  Reply,
  SmilePlus,
  StickyNote,
  Trash2,
  UserRound,
} from "lucide-react";
import type { Message } from "./api";
import { mapLink, tickFor } from "./logic";
import { Formatted } from "../templates/TemplatePreview";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "../../components/ui/dropdown-menu";
import { cn } from "../../lib/cn";

function time(iso: string | null | undefined, lang: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }).format(d);
}

/** WhatsApp's ticks: a clock while queued, one tick sent, two delivered, two blue read; a failure says why when tapped. */
export function Ticks({ status, reason }: { status: Message["status"]; reason?: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const tick = tickFor(status);
  if (!tick) return null;
  const label = t(`messages.status.${status}`, { defaultValue: status });
  const common = "h-3.5 w-3.5 shrink-0";
  const icon = {
    clock: <Clock className={common} aria-hidden />,
    sent: <Check className={common} aria-hidden />,
    delivered: <CheckCheck className={common} aria-hidden />,
    read: <CheckCheck className={cn(common, "text-tick-read")} aria-hidden />,
    failed: <AlertCircle className={cn(common, "text-danger")} aria-hidden />,
  }[tick];
  if (tick === "failed") {
    const why = reason || t("messages.no_reason");
    return (
      <span className="relative inline-flex">
        <button
          type="button"
          title={why}
          data-testid="ticks"
          data-status={status}
          onClick={() => setOpen((o) => !o)}
          className="inline-flex cursor-pointer rounded"
          aria-label={`${label}: ${why}`}
          aria-expanded={open}
        >
          {icon}
        </button>
        {open && (
          <span role="tooltip" className="absolute right-0 bottom-5 z-10 w-56 rounded-md border border-border bg-card p-2 text-xs text-foreground shadow-lg">
            {why}
          </span>
        )}
      </span>
    );
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
  const mime = media.mime_type ?? "";
  if (m.type === "sticker")
    return <img src={media.url} alt={t("messages.kind.sticker")} className="h-32 w-32 object-contain" loading="lazy" />;
  if (mime.startsWith("image/") || m.type === "image")
    return (
      <a href={media.url} target="_blank" rel="noreferrer" className="block">
        <img src={media.url} alt={media.filename || t("messages.image")} className="max-h-64 min-h-16 min-w-16 rounded-md bg-black/5 object-contain" loading="lazy" />
      </a>
    );
  if (mime.startsWith("audio/") || m.type === "audio")
    return <audio controls preload="none" src={media.url} className="w-60 max-w-full" aria-label={t("messages.kind.audio")} />;
  if (mime.startsWith("video/") || m.type === "video")
    return <video controls preload="none" src={media.url} className="max-h-64 max-w-full rounded-md" aria-label={t("messages.kind.video")} />;
  return (
    <a href={media.url} download={media.filename || true} className="flex items-center gap-2 rounded-md bg-black/5 px-2 py-1.5 text-sm underline dark:bg-white/10">
      <FileDown className="h-4 w-4 shrink-0" aria-hidden />
      <span className="truncate">{media.filename || t(`messages.kind.${m.type}`, { defaultValue: t("messages.file") })}</span>
    </a>
  );
}

interface Place {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
}

interface VCard {
  name?: { formatted_name?: string; first_name?: string };
  phones?: { phone?: string; wa_id?: string }[];
}

interface Interactive {
  kind?: string;
  header?: string;
  body?: string;
  footer?: string;
  buttons?: { id?: string; title: string }[];
  action?: string;
  sections?: { title?: string; rows: { id?: string; title: string; description?: string }[] }[];
}

/** The parts of a message beyond its text: location, contact cards, templates, buttons. */
function Rich({ m }: { m: Message }) {
  const { t } = useTranslation();
  const c = (m.content ?? {}) as {
    location?: Place;
    contacts?: VCard[];
    interactive?: Interactive;
    template?: { name?: string; rendered?: Record<string, string>; header?: { type?: string; media?: { link?: string; filename?: string } } };
    reply?: { id?: string; title?: string };
  };
  const parts: ReactNode[] = [];
  if (c.location && typeof c.location.latitude === "number") {
    const p = c.location;
    parts.push(
      <a
        key="loc"
        href={mapLink(p.latitude, p.longitude)}
        target="_blank"
        rel="noreferrer"
        className="flex items-start gap-2 rounded-md bg-black/5 p-2 text-sm hover:underline dark:bg-white/10"
        data-testid="location"
      >
        <MapPin className="mt-0.5 h-4 w-4 shrink-0 text-danger" aria-hidden />
        <span className="min-w-0">
          <span className="block font-medium">{p.name || t("inbox.bubble.location")}</span>
          {p.address && <span className="block text-xs opacity-80">{p.address}</span>}
          <span className="flex items-center gap-1 text-xs opacity-80">
            {p.latitude.toFixed(5)}, {p.longitude.toFixed(5)} · {t("inbox.bubble.open_map")}
            <ExternalLink className="h-3 w-3" aria-hidden />
          </span>
        </span>
      </a>,
    );
  }
  if (Array.isArray(c.contacts)) {
    for (const [i, v] of c.contacts.entries()) {
      parts.push(
        <div key={`vc${i}`} className="flex items-start gap-2 rounded-md bg-black/5 p-2 text-sm dark:bg-white/10" data-testid="contact-card">
          <span className="flex h-8 w-8 shrink-0 items-center justify-center rounded-full bg-muted">
            <UserRound className="h-4 w-4" aria-hidden />
          </span>
          <span className="min-w-0">
            <span className="block font-medium">{v.name?.formatted_name || v.name?.first_name || t("messages.kind.contacts")}</span>
            {(v.phones ?? []).map((ph, j) => (
              <span key={j} className="block text-xs tabular-nums opacity-80">
                {ph.phone || ph.wa_id}
              </span>
            ))}
          </span>
        </div>,
      );
    }
  }
  if (c.template && m.type === "template") {
    const r = c.template.rendered ?? {};
    parts.push(
      <div key="tpl" className="flex flex-col gap-1" data-testid="template-message">
        <span className="flex items-center gap-1 text-[11px] opacity-70">
          <FileText className="h-3 w-3" aria-hidden />
          {t("inbox.bubble.template", { name: c.template.name ?? "" })}
        </span>
        {!m.media && c.template.header?.media?.link && (
          // A header sent by link: not fetched here (the page loads only its own files), offered as a link.
          <a
            href={c.template.header.media.link}
            target="_blank"
            rel="noreferrer"
            className="flex items-center gap-1.5 rounded-md bg-black/5 px-2 py-1.5 text-xs underline dark:bg-white/10"
            data-testid="template-header-link"
          >
            <ExternalLink className="h-3.5 w-3.5 shrink-0" aria-hidden />
            <span className="truncate">
              {c.template.header.media.filename || t(`messages.kind.${c.template.header.type ?? "document"}`, { defaultValue: t("messages.file") })}
            </span>
          </a>
        )}
        {r.header && <p className="font-semibold break-words">{r.header}</p>}
        {(r.body || (!m.text && !r.header)) && (
          <p className="break-words whitespace-pre-wrap">
            <Formatted text={r.body || m.text || c.template.name || ""} />
          </p>
        )}
        {r.footer && <p className="text-xs text-muted-foreground">{r.footer}</p>}
      </div>,
    );
  }
  if (c.interactive) {
    const it = c.interactive;
    parts.push(
      <div key="int" className="flex flex-col gap-1" data-testid="interactive-message">
        {it.header && <p className="font-semibold">{it.header}</p>}
        {it.body && !m.text && <p className="break-words whitespace-pre-wrap">{it.body}</p>}
        {it.footer && <p className="text-xs text-muted-foreground">{it.footer}</p>}
        {(it.buttons ?? []).map((b, i) => (
          <span key={i} className="mt-0.5 rounded-md border border-border/60 px-2 py-1 text-center text-sm font-medium text-tick-read">
            {b.title}
          </span>
        ))}
        {it.kind === "list" && (
          <details className="text-sm">
            <summary className="cursor-pointer text-center font-medium text-tick-read">{it.action || t("inbox.bubble.list")}</summary>
            {(it.sections ?? []).map((s, i) => (
              <div key={i} className="mt-1">
                {s.title && <p className="text-xs font-semibold opacity-70">{s.title}</p>}
                {s.rows.map((r, j) => (
                  <p key={j}>
                    {r.title}
                    {r.description && <span className="block text-xs opacity-70">{r.description}</span>}
                  </p>
                ))}
              </div>
            ))}
          </details>
        )}
      </div>,
    );
  }
  if (c.reply?.title || c.reply?.id) {
    const same = c.reply.title && c.reply.title === m.text;
    parts.push(
      <span key="reply" className="flex items-center gap-1 text-xs opacity-70" data-testid="button-reply">
        <Reply className="h-3 w-3" aria-hidden />
        {same ? t("inbox.bubble.tapped") : t("inbox.bubble.chose", { title: c.reply.title || c.reply.id })}
      </span>,
    );
  }
  return <>{parts}</>;
}

function textOf(m: Message, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (m.text) return m.text;
  return t(`messages.kind.${m.type}`, { defaultValue: t("messages.unsupported") });
}

/** A system line: assigned, resolved, snoozed… centred and small. */
export function EventLine({ m }: { m: Message }) {
  const { t, i18n } = useTranslation();
  const c = (m.content ?? {}) as {
    event?: string;
    actor?: { name?: string } | null;
    assignee?: { name?: string } | null;
    team?: { name?: string } | null;
    status?: string;
    reason?: string;
    until?: string;
  };
  const ev = c.event ?? "";
  const actor = c.actor?.name || t("inbox.events.someone");
  const text = t(`inbox.events.${ev}`, {
    defaultValue: m.text || ev,
    actor,
    assignee: c.assignee?.name ?? "",
    team: c.team?.name || t("inbox.no_team"),
    status: c.status ? t(`inbox.status.${c.status}`, { defaultValue: c.status }) : "",
    reason: c.reason ?? "",
  });
  const withReason = ev === "resolved" && c.reason ? t("inbox.events.with_reason", { text, reason: c.reason }) : text;
  return (
    <div className="flex justify-center py-0.5" data-testid="event-line" data-event={ev}>
      <span className="rounded-md bg-card/80 px-2.5 py-1 text-center text-xs text-muted-foreground shadow-sm">
        {withReason} · {time(m.created_at, i18n.language)}
      </span>
    </div>
  );
}

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

export interface BubbleProps {
  m: Message;
  quoted?: Message;
  reactions?: { emoji: string; from: "inbound" | "outbound" }[];
  onReply?: (m: Message) => void;
  onReact?: (m: Message, emoji: string) => void;
  onJump?: (id: string) => void;
  /** Scheduled messages: change or cancel while they wait. */
  onEdit?: (m: Message) => void;
  onCancel?: (m: Message) => void;
  scheduledFor?: string;
}

/** One message as a chat bubble: the contact's on the left, ours on the right, internal notes in yellow. */
export function Bubble({ m, quoted, reactions = [], onReply, onReact, onJump, onEdit, onCancel, scheduledFor }: BubbleProps) {
  const { t, i18n } = useTranslation();
  if (m.type === "event") return <EventLine m={m} />;
  const out = m.direction === "outbound";
  const note = m.type === "note";
  const failed = m.status === "failed";
  const sticker = m.type === "sticker" && m.media?.status === "stored";
  const reaction = m.type === "reaction" ? (m.content as { reaction?: { emoji?: string } } | null)?.reaction : null;
  // A template whose header is a file the agent attached shows it on top, as WhatsApp does.
  const mediaWithCaption = Boolean(m.media) && ["image", "video", "document", "audio", "sticker", "template"].includes(m.type);
  const showText = m.type !== "template" && !(m.type === "interactive" && !m.text) && !reaction;
  const canAct = !note && m.status !== "internal" && !scheduledFor;
  return (
    <div
      id={`msg-${m.id}`}
      className={cn("group flex scroll-mt-16", out ? "justify-end" : "justify-start")}
      data-testid="bubble"
      data-direction={m.direction}
      data-type={m.type}
      data-status={m.status}
      // A tap on a phone focuses the row and shows its actions.
      tabIndex={canAct ? -1 : undefined}
    >
      {canAct && out && <Actions m={m} onReply={onReply} onReact={onReact} />}
      <div
        className={cn(
          "relative flex max-w-[85%] flex-col gap-1 rounded-lg px-2.5 py-1.5 text-sm text-foreground shadow-sm sm:max-w-[70%]",
          note
            ? "border-l-4 border-note-border bg-note"
            : sticker
              ? "bg-transparent shadow-none"
              : out
                ? "rounded-tr-none bg-bubble-out"
                : "rounded-tl-none bg-bubble-in",
          scheduledFor && "border border-dashed border-muted-foreground/50 opacity-90",
          reactions.length > 0 && "mb-3",
        )}
        data-testid={note ? "note" : undefined}
      >
        {note && (
          <span className="flex items-center gap-1 text-[11px] font-semibold text-warning-foreground">
            <StickyNote className="h-3 w-3" aria-hidden />
            {t("inbox.bubble.note", { name: m.author?.name ?? "" })}
          </span>
        )}
        {!note && out && m.author?.name && <span className="text-[11px] font-semibold text-primary">{m.author.name}</span>}
        {quoted && (
          <button
            type="button"
            onClick={() => onJump?.(quoted.id)}
            className="rounded-md border-l-4 border-primary bg-black/5 px-2 py-1 text-left text-xs dark:bg-white/10"
            data-testid="quoted"
          >
            <span className="block font-semibold text-primary">
              {quoted.direction === "inbound" ? t("inbox.bubble.contact") : quoted.author?.name || t("inbox.bubble.you")}
            </span>
            <span className="line-clamp-2 opacity-80">{textOf(quoted, t)}</span>
          </button>
        )}
        {mediaWithCaption && <MediaPart m={m} />}
        <Rich m={m} />
        {reaction && (
          <p className="italic opacity-80">{t("inbox.bubble.reacted", { emoji: reaction.emoji || "∅" })}</p>
        )}
        {showText && m.text && (
          <p className="break-words whitespace-pre-wrap">
            <Formatted text={m.text} />
          </p>
        )}
        {showText && !m.text && !m.media && !m.content && (
          <p className="italic opacity-70">{t(`messages.kind.${m.type}`, { defaultValue: t("messages.unsupported") })}</p>
        )}
        {failed && (
          <p className="text-xs text-danger" data-testid="bubble-failed">
            {t("messages.failed", { error: m.error_reason || m.error_code || t("messages.no_reason") })}
          </p>
        )}
        {scheduledFor ? (
          <span className="flex flex-col items-end gap-1 text-[11px] text-muted-foreground" data-testid="scheduled">
            <span className="flex items-center gap-1">
              <CalendarClock className="h-3.5 w-3.5" aria-hidden />
              {t("inbox.bubble.scheduled_for", { when: scheduledFor })}
            </span>
            <span className="flex items-center gap-3">
              {onEdit && (
                <button type="button" className="inline-flex items-center gap-0.5 underline" onClick={() => onEdit(m)}>
                  <Pencil className="h-3 w-3" aria-hidden />
                  {t("inbox.scheduled.edit")}
                </button>
              )}
              {onCancel && (
                <button type="button" className="inline-flex items-center gap-0.5 text-danger underline" onClick={() => onCancel(m)}>
                  <Trash2 className="h-3 w-3" aria-hidden />
                  {t("inbox.scheduled.cancel")}
                </button>
              )}
            </span>
          </span>
        ) : (
          <span className="flex items-center justify-end gap-1 self-end text-[11px] leading-none text-muted-foreground">
            {time(m.created_at, i18n.language)}
            {out && !note && <Ticks status={m.status} reason={m.error_reason || m.error_code} />}
          </span>
        )}
        {reactions.length > 0 && (
          <span
            className={cn(
              "absolute -bottom-3 flex gap-0.5 rounded-full border border-border bg-card px-1.5 py-0.5 text-xs shadow-sm",
              out ? "right-2" : "left-2",
            )}
            data-testid="reactions"
          >
            {reactions.map((r) => (
              <span key={r.from} title={r.from === "inbound" ? t("inbox.bubble.contact") : t("inbox.bubble.you")}>
                {r.emoji}
              </span>
            ))}
          </span>
        )}
      </div>
      {canAct && !out && <Actions m={m} onReply={onReply} onReact={onReact} />}
    </div>
  );
}

function Actions({ m, onReply, onReact }: { m: Message; onReply?: (m: Message) => void; onReact?: (m: Message, e: string) => void }) {
  const { t } = useTranslation();
  if (!onReply && !onReact) return null;
  return (
    <div className="flex items-center gap-0.5 self-center px-1 opacity-0 transition-opacity group-focus-within:opacity-100 group-hover:opacity-100">
      {onReply && (
        <button
          type="button"
          onClick={() => onReply(m)}
          className="rounded-full p-1 text-muted-foreground hover:bg-card"
          aria-label={t("inbox.bubble.reply")}
          title={t("inbox.bubble.reply")}
        >
          <Reply className="h-4 w-4" aria-hidden />
        </button>
      )}
      {onReact && m.provider_message_id && (
        <DropdownMenu>
          <DropdownMenuTrigger asChild>
            <button type="button" className="rounded-full p-1 text-muted-foreground hover:bg-card" aria-label={t("inbox.bubble.react")} title={t("inbox.bubble.react")}>
              <SmilePlus className="h-4 w-4" aria-hidden />
            </button>
          </DropdownMenuTrigger>
          <DropdownMenuContent className="flex min-w-0 gap-1">
            {QUICK_REACTIONS.map((e) => (
              <DropdownMenuItem key={e} onSelect={() => onReact(m, e)} className="px-1.5 text-lg" aria-label={e}>
                {e}
              </DropdownMenuItem>
            ))}
          </DropdownMenuContent>
        </DropdownMenu>
      )}
    </div>
  );
}

/** A scrolling timeline on WhatsApp's wallpaper colour (the Simulator's phone): what the contact sees. */
export function Timeline({ messages, className, empty }: { messages: Message[]; className?: string; empty?: string }) {
  const shown = messages.filter((m) => m.status !== "internal" && m.type !== "note" && m.type !== "event");
  return (
    <div className={cn("flex flex-col gap-1.5 bg-chat p-3", className)} data-testid="timeline">
      {shown.length === 0 && empty && <p className="m-auto max-w-xs text-center text-sm text-muted-foreground">{empty}</p>}
      {shown.map((m) => (
        <Bubble key={m.id} m={m} />
      ))}
    </div>
  );
}
