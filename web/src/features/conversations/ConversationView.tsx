import { useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import {
  ArrowLeft,
  Check,
  CheckCircle2,
  ChevronDown,
  Clock,
  PanelRight,
  RotateCcw,
  Tag as TagIcon,
  Upload,
  UserRound,
  Users,
} from "lucide-react";
import {
  conversationKeys,
  conversationQuery,
  conversationsApi,
  labelsQuery,
  messagesQuery,
  teamsQuery,
  type Conversation,
  type ConversationPatch,
  type Message,
} from "./api";
import { Bubble } from "./Bubble";
import { Composer, EditScheduledDialog } from "./Composer";
import { buildTimeline, dayKey, SNOOZE_PRESETS, snoozeUntil, type SnoozePreset } from "./logic";
import { AvailabilityDot, Avatar, LabelChip, StatusBadge } from "./parts";
import { membersQuery, companyQuery } from "../settings/api";
import { useMe } from "../../app/AuthGuard";
import { Button } from "../../components/ui/button";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { Label, Select } from "../../components/ui/input";
import { Field, FieldError } from "../../components/ui/field";
import { useFormErrors } from "../../lib/useFormErrors";
import { Alert } from "../../components/ui/alert";
import { Spinner } from "../../components/ui/misc";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { QueryError } from "../../components/query-error";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "../../components/ui/dropdown-menu";
import { useDates } from "../settings/useDates";
import { formatPhone } from "../../lib/format";
import { cn } from "../../lib/cn";

function useUpdate(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ConversationPatch) => conversationsApi.update(id, body),
    onSuccess: (c) => {
      qc.setQueryData(conversationKeys.one(id), c);
      void qc.invalidateQueries({ queryKey: conversationKeys.all });
      void qc.invalidateQueries({ queryKey: conversationKeys.messages(id) });
    },
  });
}

function ResolveDialog({ c, open, onOpenChange }: { c: Conversation; open: boolean; onOpenChange: (o: boolean) => void }) {
  const { t } = useTranslation();
  const company = useQuery(companyQuery);
  const reasons = company.data?.closing_reasons ?? [];
  const required = Boolean(company.data?.closing_reason_required);
  const [reason, setReason] = useState("");
  const qc = useQueryClient();
  const resolve = useMutation({
    mutationFn: () => conversationsApi.update(c.id, { status: "resolved", ...(reason ? { closing_reason: reason } : {}) }),
    meta: { inline: true },
    onSuccess: (next) => {
      qc.setQueryData(conversationKeys.one(c.id), next);
      void qc.invalidateQueries({ queryKey: conversationKeys.all });
      void qc.invalidateQueries({ queryKey: conversationKeys.messages(c.id) });
      setReason("");
      onOpenChange(false);
    },
  });
  const errors = useFormErrors(resolve.error);
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title={t("inbox.resolve.title")} description={required ? t("inbox.resolve.required_help") : t("inbox.resolve.help")}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            resolve.mutate();
          }}
          className="flex flex-col gap-4"
          noValidate
        >
          {reasons.length > 0 ? (
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="closing-reason">{t("inbox.resolve.reason")}</Label>
              <Select id="closing-reason" value={reason} onChange={(e) => setReason(e.target.value)}>
                <option value="">{required ? t("inbox.resolve.choose") : t("inbox.resolve.no_reason")}</option>
                {reasons.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </Select>
            </div>
          ) : (
            <Field label={t("inbox.resolve.reason")} value={reason} onChange={(e) => setReason(e.target.value)} required={required} />
          )}
          <FieldError>{errors.fields.closing_reason}</FieldError>
          {errors.form && <Alert tone="danger">{errors.form}</Alert>}
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" disabled={resolve.isPending || (required && !reason.trim())}>
              <CheckCircle2 className="h-4 w-4" aria-hidden />
              {t("inbox.resolve.submit")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function StatusActions({ c }: { c: Conversation }) {
  const { t } = useTranslation();
  const dates = useDates();
  const company = useQuery(companyQuery);
  const update = useUpdate(c.id);
  const [resolving, setResolving] = useState(false);
  const asks = (company.data?.closing_reasons?.length ?? 0) > 0 || Boolean(company.data?.closing_reason_required);
  if (c.status === "resolved")
    return (
      <Button size="sm" variant="outline" onClick={() => update.mutate({ status: "open" })} disabled={update.isPending}>
        <RotateCcw className="h-4 w-4" aria-hidden />
        <span className="max-sm:sr-only">{t("inbox.actions.reopen")}</span>
      </Button>
    );
  return (
    <>
      <div className="flex">
        <Button
          size="sm"
          className="rounded-r-none"
          onClick={() => (asks ? setResolving(true) : update.mutate({ status: "resolved" }))}
          disabled={update.isPending}
          data-testid="resolve"
        >
          <CheckCircle2 className="h-4 w-4" aria-hidden />
          <span className="max-sm:sr-only">{t("inbox.actions.resolve")}</span>
        </Button>
        <DropdownMenu>
          <DropdownMenuTrigger asChild>
            <Button size="sm" className="rounded-l-none border-l border-primary-foreground/30 px-2" aria-label={t("inbox.actions.more_status")}>
              <ChevronDown className="h-4 w-4" aria-hidden />
            </Button>
          </DropdownMenuTrigger>
          <DropdownMenuContent align="end">
            <DropdownMenuLabel>{t("inbox.actions.snooze")}</DropdownMenuLabel>
            {SNOOZE_PRESETS.map((p: SnoozePreset) => {
              const until = snoozeUntil(p, new Date());
              return (
                <DropdownMenuItem
                  key={p}
                  onSelect={() => update.mutate({ status: "snoozed", snoozed_until: until ? until.toISOString() : null })}
                >
                  <Clock className="h-4 w-4" aria-hidden />
                  <span className="flex-1">{t(`inbox.snooze.${p}`)}</span>
                  {until && <span className="text-xs text-muted-foreground">{dates.dateTime(until.toISOString())}</span>}
                </DropdownMenuItem>
              );
            })}
            <DropdownMenuSeparator />
            {c.status !== "pending" && (
              <DropdownMenuItem onSelect={() => update.mutate({ status: "pending" })}>{t("inbox.actions.pending")}</DropdownMenuItem>
            )}
            {c.status !== "open" && <DropdownMenuItem onSelect={() => update.mutate({ status: "open" })}>{t("inbox.actions.reopen")}</DropdownMenuItem>}
          </DropdownMenuContent>
        </DropdownMenu>
      </div>
      <ResolveDialog c={c} open={resolving} onOpenChange={setResolving} />
    </>
  );
}

function AssigneePicker({ c }: { c: Conversation }) {
  const { t } = useTranslation();
  const me = useMe();
  const members = useQuery(membersQuery);
  const update = useUpdate(c.id);
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button size="sm" variant="ghost" data-testid="assignee-picker" className="h-7 max-w-44 px-2 text-xs">
          {c.assignee ? <Avatar name={c.assignee.name} className="h-5 w-5 text-[9px]" /> : <UserRound className="h-4 w-4" aria-hidden />}
          <span className="truncate">{c.assignee?.name ?? t("inbox.assignee.none")}</span>
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="max-h-80 overflow-y-auto">
        <DropdownMenuLabel>{t("inbox.assignee.title")}</DropdownMenuLabel>
        {c.assignee?.id !== me.user.id && (
          <DropdownMenuItem onSelect={() => update.mutate({ assignee_id: me.user.id })}>{t("inbox.assignee.me")}</DropdownMenuItem>
        )}
        {(members.data?.data ?? []).map((m) => (
          <DropdownMenuItem key={m.id} onSelect={() => update.mutate({ assignee_id: m.id })}>
            <AvailabilityDot value={m.availability} />
            <span className="flex-1 truncate">{m.name}</span>
            {m.capacity != null && (
              <span className="text-xs text-muted-foreground">
                {m.open_conversations ?? 0}/{m.capacity}
              </span>
            )}
            {c.assignee?.id === m.id && <Check className="h-4 w-4" aria-hidden />}
          </DropdownMenuItem>
        ))}
        {c.assignee && (
          <>
            <DropdownMenuSeparator />
            <DropdownMenuItem onSelect={() => update.mutate({ assignee_id: null })}>{t("inbox.assignee.unassign")}</DropdownMenuItem>
          </>
        )}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

function TeamPicker({ c }: { c: Conversation }) {
  const { t } = useTranslation();
  const teams = useQuery(teamsQuery);
  const update = useUpdate(c.id);
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button size="sm" variant="ghost" data-testid="team-picker" className="h-7 max-w-40 px-2 text-xs">
          <Users className="h-4 w-4" aria-hidden />
          <span className="truncate">{c.team?.name ?? t("inbox.no_team")}</span>
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="max-h-80 overflow-y-auto">
        <DropdownMenuLabel>{t("inbox.team.title")}</DropdownMenuLabel>
        {(teams.data?.data ?? []).length === 0 && <p className="px-2 py-1.5 text-sm text-muted-foreground">{t("inbox.team.none_yet")}</p>}
        {(teams.data?.data ?? []).map((x) => (
          <DropdownMenuItem key={x.id} onSelect={() => update.mutate({ team_id: x.id })}>
            <span className="flex-1 truncate">{x.name}</span>
            {c.team?.id === x.id && <Check className="h-4 w-4" aria-hidden />}
          </DropdownMenuItem>
        ))}
        {c.team && (
          <>
            <DropdownMenuSeparator />
            <DropdownMenuItem onSelect={() => update.mutate({ team_id: null })}>{t("inbox.team.clear")}</DropdownMenuItem>
          </>
        )}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

function LabelsPicker({ c }: { c: Conversation }) {
  const { t } = useTranslation();
  const labels = useQuery(labelsQuery);
  const update = useUpdate(c.id);
  const current = new Set((c.labels ?? []).map((l) => l.id));
  const toggle = (id: string) => {
    const next = new Set(current);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    update.mutate({ label_ids: [...next] });
  };
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button size="sm" variant="ghost" data-testid="labels-picker" className="h-7 px-2 text-xs">
          <TagIcon className="h-4 w-4" aria-hidden />
          {t("inbox.labels.title")}
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="max-h-80 overflow-y-auto">
        <DropdownMenuLabel>{t("inbox.labels.title")}</DropdownMenuLabel>
        {(labels.data?.data ?? []).length === 0 && (
          <p className="px-2 py-1.5 text-sm text-muted-foreground">
            {t("inbox.labels.none_yet")}{" "}
            <Link to="/settings/labels" className="text-primary underline">
              {t("inbox.labels.create")}
            </Link>
          </p>
        )}
        {(labels.data?.data ?? []).map((l) => (
          <DropdownMenuItem
            key={l.id}
            onSelect={(e) => {
              e.preventDefault();
              toggle(l.id);
            }}
            role="menuitemcheckbox"
            aria-checked={current.has(l.id)}
          >
            <span className="h-3 w-3 shrink-0 rounded-full" style={{ background: l.color }} aria-hidden />
            <span className="flex-1 truncate">{l.name}</span>
            {current.has(l.id) && <Check className="h-4 w-4" aria-hidden />}
          </DropdownMenuItem>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

function DayLine({ at }: { at: string }) {
  const { t } = useTranslation();
  const dates = useDates();
  const company = useQuery(companyQuery);
  const tz = company.data?.time_zone || undefined;
  const today = dayKey(new Date().toISOString(), tz);
  const yesterday = dayKey(new Date(Date.now() - 86_400_000).toISOString(), tz);
  const key = dayKey(at, tz);
  const label = key === today ? t("inbox.day.today") : key === yesterday ? t("inbox.day.yesterday") : dates.date(at);
  return (
    <div className="sticky top-1 z-[1] flex justify-center py-1" data-testid="day-separator">
      <span className="rounded-md bg-card px-2.5 py-0.5 text-xs text-muted-foreground shadow-sm">{label}</span>
    </div>
  );
}

function Messages({ c, onReply }: { c: Conversation; onReply: (m: Message) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const dates = useDates();
  const company = useQuery(companyQuery);
  const tz = company.data?.time_zone || undefined;
  const msgs = useQuery(messagesQuery(c.id));
  const [editing, setEditing] = useState<Message | null>(null);
  const [cancelling, setCancelling] = useState<Message | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const nearBottom = useRef(true);
  const items = useMemo(() => buildTimeline(msgs.data ?? [], (iso) => dayKey(iso, tz), Date.now()), [msgs.data, tz]);
  const react = useMutation({
    mutationFn: ({ m, emoji }: { m: Message; emoji: string }) => // The provider's id: WhatsApp reacts to its own message ids.
      conversationsApi.send(c.id, { type: "reaction", reaction: { message_id: m.provider_message_id ?? m.id, emoji } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: conversationKeys.messages(c.id) }),
  });
  const cancel = useMutation({
    mutationFn: (m: Message) => conversationsApi.cancelMessage(m.id),
    onSettled: () => setCancelling(null),
    onSuccess: () => void qc.invalidateQueries({ queryKey: conversationKeys.messages(c.id) }),
  });
  const last = msgs.data?.[msgs.data.length - 1]?.id;
  const lastStatus = msgs.data?.[msgs.data.length - 1]?.status;
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && nearBottom.current) el.scrollTop = el.scrollHeight;
  }, [last, lastStatus, items.length]);
  const jump = (id: string) => {
    const el = document.getElementById(`msg-${id}`);
    el?.scrollIntoView({ block: "center", behavior: "smooth" });
    el?.classList.add("ring-2", "ring-primary", "rounded-lg");
    window.setTimeout(() => el?.classList.remove("ring-2", "ring-primary", "rounded-lg"), 1500);
  };
  return (
    <div
      ref={scroller}
      className="min-h-0 flex-1 overflow-y-auto bg-chat"
      onScroll={(e) => {
        const el = e.currentTarget;
        nearBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 120;
      }}
    >
      {msgs.isError && (
        <div className="p-3">
          <QueryError error={msgs.error} onRetry={() => msgs.refetch()} />
        </div>
      )}
      {msgs.isPending && <Spinner />}
      {msgs.isSuccess && (
        <div className="flex min-h-full flex-col justify-end gap-1.5 p-3" data-testid="timeline">
          {items.length === 0 && <p className="m-auto max-w-xs text-center text-sm text-muted-foreground">{t("conversations.no_messages")}</p>}
          {items.map((it, i) => {
            if (it.kind === "day") return <DayLine key={`d${it.key}`} at={it.at} />;
            if (it.kind === "scheduled")
              return (
                <div key={it.m.id} className={cn(i > 0 && items[i - 1].kind !== "scheduled" && "mt-3 border-t border-dashed border-muted-foreground/30 pt-3")}>
                  <Bubble
                    m={it.m}
                    scheduledFor={dates.dateTime(it.m.send_at)}
                    onEdit={it.m.type === "text" || it.m.type === "template" ? setEditing : undefined}
                    onCancel={setCancelling}
                  />
                </div>
              );
            return (
              <Bubble
                key={it.m.id}
                m={it.m}
                quoted={it.quoted}
                reactions={it.reactions}
                onReply={c.status === "resolved" ? undefined : onReply}
                onReact={c.status === "resolved" ? undefined : (m, emoji) => react.mutate({ m, emoji })}
                onJump={jump}
              />
            );
          })}
        </div>
      )}
      <EditScheduledDialog m={editing} onOpenChange={(o) => !o && setEditing(null)} />
      <ConfirmDialog
        open={cancelling !== null}
        onOpenChange={(o) => !o && setCancelling(null)}
        title={t("inbox.scheduled.cancel_title")}
        description={t("inbox.scheduled.cancel_help")}
        confirmLabel={t("inbox.scheduled.cancel")}
        onConfirm={() => cancelling && cancel.mutate(cancelling)}
        pending={cancel.isPending}
      />
    </div>
  );
}

/** The open conversation: header with its actions, the timeline, and the composer. */
export function ConversationView({ id, onTogglePanel, panelOpen }: { id: string; onTogglePanel: () => void; panelOpen: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const conv = useQuery(conversationQuery(id));
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [dragging, setDragging] = useState(false);
  const [dropped, setDropped] = useState<File[]>([]);
  const read = useMutation({
    mutationFn: () => conversationsApi.read(id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: conversationKeys.all });
      qc.setQueryData<Conversation>(conversationKeys.one(id), (old) => (old ? { ...old, unread_count: 0 } : old));
    },
  });
  const unread = conv.data?.unread_count ?? 0;
  const opened = useRef(false);
  // Opening a conversation reads it; so does a new message arriving while it is open on screen.
  useEffect(() => {
    if (!conv.data) return;
    if (!opened.current || (unread > 0 && document.visibilityState === "visible")) {
      opened.current = true;
      if (!read.isPending) read.mutate();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [conv.data?.id, unread]);

  if (conv.isPending) return <Spinner className="h-full" />;
  if (conv.isError)
    return (
      <div className="flex h-full flex-col">
        <div className="flex h-14 items-center border-b border-border px-3 md:hidden">
          <Button variant="ghost" size="icon" onClick={() => navigate("/inbox")} aria-label={t("conversations.back")}>
            <ArrowLeft className="h-5 w-5" aria-hidden />
          </Button>
        </div>
        <div className="p-4">
          <QueryError error={conv.error} onRetry={() => conv.refetch()} />
        </div>
      </div>
    );
  const c = conv.data;
  const name = c.contact.name || formatPhone(c.contact.phone);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files = [...e.dataTransfer.files];
    if (files.length) setDropped(files);
  };

  return (
    <div
      className="relative flex h-full min-h-0 flex-col"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes("Files")) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
      data-testid="conversation"
    >
      <header className="shrink-0 border-b border-border bg-card">
        <div className="flex items-center gap-2 px-2 pt-2 sm:px-3">
          <Link to="/inbox" className="rounded-md p-1.5 hover:bg-muted md:hidden" aria-label={t("conversations.back")}>
            <ArrowLeft className="h-5 w-5" aria-hidden />
          </Link>
          <button type="button" onClick={onTogglePanel} className="flex min-w-0 flex-1 items-center gap-2 text-left" aria-label={t("inbox.side.toggle_named", { name })}>
            <Avatar name={name} className="h-9 w-9 text-xs" title="" />
            <span className="min-w-0">
              <span className="block truncate text-sm font-semibold" data-testid="conversation-name">
                {name}
              </span>
              <span className="flex flex-wrap items-center gap-x-1.5 text-xs text-muted-foreground">
                {c.contact.name && <span className="tabular-nums">{formatPhone(c.contact.phone)}</span>}
                {c.protocol && (
                  <span className="font-mono" data-testid="protocol">
                    #{c.protocol}
                  </span>
                )}
              </span>
            </span>
          </button>
          <StatusActions c={c} />
          <Button
            size="icon"
            variant="ghost"
            className="h-8 w-8 shrink-0"
            onClick={onTogglePanel}
            aria-pressed={panelOpen}
            aria-label={t("inbox.side.toggle")}
            title={t("inbox.side.toggle")}
          >
            <PanelRight className="h-4 w-4" aria-hidden />
          </Button>
        </div>
        <div className="flex flex-wrap items-center gap-1.5 px-2 py-2 sm:px-3" data-testid="conversation-toolbar">
          <StatusBadge status={c.status} />
          {c.status === "snoozed" && <SnoozedNote c={c} />}
          <AssigneePicker c={c} />
          <TeamPicker c={c} />
          <LabelsPicker c={c} />
          {(c.labels ?? []).map((l) => (
            <LabelChip key={l.id} label={l} />
          ))}
        </div>
      </header>
      <Messages c={c} onReply={setReplyTo} />
      <Composer conversation={c} replyTo={replyTo} onClearReply={() => setReplyTo(null)} dropped={dropped} onDroppedTaken={() => setDropped([])} />
      {dragging && (
        <div className="pointer-events-none absolute inset-0 z-30 flex items-center justify-center border-4 border-dashed border-primary bg-background/80">
          <p className="flex items-center gap-2 text-lg font-medium">
            <Upload className="h-6 w-6" aria-hidden />
            {t("inbox.composer.drop")}
          </p>
        </div>
      )}
    </div>
  );
}

function SnoozedNote({ c }: { c: Conversation }) {
  const { t } = useTranslation();
  const dates = useDates();
  return (
    <span className="text-xs text-muted-foreground">
      {c.snoozed_until ? t("inbox.snooze.until", { when: dates.dateTime(c.snoozed_until) }) : t("inbox.snooze.until_reply_note")}
    </span>
  );
}
