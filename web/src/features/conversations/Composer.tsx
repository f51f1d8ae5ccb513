import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { CalendarClock, FileText, Loader2, Paperclip, Send as SendIcon, Smile, StickyNote, Timer, X } from "lucide-react";
import { cannedQuery, conversationKeys, conversationsApi, type Conversation, type Message, type Send, type TemplateSend } from "./api";
import { HEADER_MEDIA, formatRemaining, headerFileProblem, headerLinkOk, insertCanned, slashQuery, toLocalInput, windowAt, type MediaHeader } from "./logic";
import { HeaderMediaField, formatSize, type HeaderSource } from "./HeaderMedia";
import { EMOJI } from "./emoji";
import { templatesQuery, type Template } from "../templates/api";
import { fill, fromComponents, variables } from "../templates/components";
import { TemplatePreview } from "../templates/TemplatePreview";
import { Button } from "../../components/ui/button";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { Label, Select, Textarea } from "../../components/ui/input";
import { Field } from "../../components/ui/field";
import { Alert } from "../../components/ui/alert";
import { Spinner } from "../../components/ui/misc";
import { DropdownMenu, DropdownMenuContent, DropdownMenuTrigger } from "../../components/ui/dropdown-menu";
import { errorMessage } from "../../lib/errors";
import { isApiError } from "../../lib/api";
import { useDates } from "../settings/useDates";
import { cn } from "../../lib/cn";

/** Re-renders every `ms` so countdowns move. */
export function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(id);
  }, [ms]);
  return now;
}

/** The 24-hour customer service window, counting down. */
export function WindowBadge({ conversation, now }: { conversation: Conversation; now: number }) {
  const { t } = useTranslation();
  const w = windowAt(conversation.window_closes_at, now);
  if (w.state === "none") return null;
  return (
    <span
      className={cn(
        "inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs",
        w.state === "open" && "bg-accent text-accent-foreground",
        w.state === "closing" && "bg-warning-soft text-warning-foreground",
        w.state === "closed" && "bg-danger-soft text-danger",
      )}
      data-testid="window-countdown"
      data-state={w.state}
      title={t("inbox.window.help")}
    >
      <Timer className="h-3.5 w-3.5" aria-hidden />
      {w.state === "closed" ? t("inbox.window.closed_short") : t("inbox.window.open", { left: formatRemaining(w.remainingMs) })}
    </span>
  );
}

interface Upload {
  key: number;
  name: string;
  progress: number;
  error: string;
  done: boolean;
}

/** The name a document sent by link shows: the link's last path segment. */
function linkFilename(link: string): string {
  const last = new URL(link).pathname.split("/").pop() ?? "";
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function TemplateDialog({
  conversation,
  open,
  onOpenChange,
  sendAt,
  onSent,
}: {
  conversation: Conversation;
  open: boolean;
  onOpenChange: (o: boolean) => void;
  sendAt: string;
  onSent: () => void;
}) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const selectId = useId();
  const connectionId = conversation.connection_id ?? "";
  const list = useQuery({ ...templatesQuery(connectionId), enabled: open && Boolean(connectionId) });
  const approved = (list.data?.data ?? []).filter((x) => x.status === "APPROVED");
  const [pickedId, setPickedId] = useState("");
  const picked: Template | undefined = approved.find((x) => x.id === pickedId) ?? approved[0];
  const draft = useMemo(() => (picked ? fromComponents(picked) : null), [picked]);
  const [values, setValues] = useState<Record<string, string>>({});
  const bodyV = draft ? variables(draft.body) : { names: [] as string[], positional: true };
  const bodyVars = bodyV.names;
  const headerV = draft && draft.headerFormat === "TEXT" ? variables(draft.headerText) : { names: [] as string[], positional: true };
  const headerVar = headerV.names[0];
  const [headerValue, setHeaderValue] = useState("");
  // A media header: a file sent with the template, or a link WhatsApp fetches.
  const mediaFormat: MediaHeader | null =
    draft && (draft.headerFormat === "IMAGE" || draft.headerFormat === "VIDEO" || draft.headerFormat === "DOCUMENT") ? draft.headerFormat : null;
  const [headerSource, setHeaderSource] = useState<HeaderSource>("file");
  const [headerFile, setHeaderFile] = useState<File | null>(null);
  const [headerLink, setHeaderLink] = useState("");
  const [headerError, setHeaderError] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [checked, setChecked] = useState(false);
  const filePreview = useMemo(() => (headerFile && mediaFormat === "IMAGE" ? URL.createObjectURL(headerFile) : ""), [headerFile, mediaFormat]);
  useEffect(() => () => (filePreview ? URL.revokeObjectURL(filePreview) : undefined), [filePreview]);
  // Link buttons ending in {{1}} need the end of their link.
  const urlButtons = (draft?.buttons ?? []).map((b, index) => ({ b, index })).filter(({ b }) => b.type === "URL" && b.url.includes("{{"));
  const [buttonValues, setButtonValues] = useState<Record<number, string>>({});
  const firstName = conversation.contact.name.split(" ")[0] ?? "";

  function reset() {
    setValues({});
    setHeaderValue("");
    setButtonValues({});
    setHeaderFile(null);
    setHeaderLink("");
    setHeaderError("");
    setChecked(false);
  }

  function pickFile(f: File | null) {
    setHeaderFile(f);
    setHeaderError(f && mediaFormat ? headerProblem(mediaFormat, f) : "");
  }

  /** The sentence for a header file WhatsApp would refuse. */
  function headerProblem(format: MediaHeader, f: File): string {
    const why = headerFileProblem(format, f);
    if (why === "too_large")
      return t("inbox.templates.header_too_large", {
        size: formatSize(f.size, i18n.language),
        max: formatSize(HEADER_MEDIA[format].maxBytes, i18n.language),
      });
    if (why === "wrong_type") return t(`inbox.templates.header_wrong_type.${format}`);
    if (why === "empty") return t("inbox.templates.header_empty");
    return "";
  }

  const send = useMutation({
    mutationFn: () => {
      const d = draft!;
      const param = (positional: boolean, name: string, value: string) => (positional ? { value } : { name, value });
      const template: TemplateSend = { name: picked!.name, language: picked!.language, rendered: {} };
      if (bodyVars.length) template.body = bodyVars.map((n) => param(bodyV.positional, n, (values[n] ?? "").trim()));
      if (headerVar) template.header = { text: [param(headerV.positional, headerVar, headerValue.trim())] };
      if (urlButtons.length) template.buttons = urlButtons.map(({ index }) => ({ index, sub_type: "url", value: (buttonValues[index] ?? "").trim() }));
      const rendered: Record<string, string> = { body: fill(d.body, values) };
      if (d.headerFormat === "TEXT" && d.headerText) rendered.header = fill(d.headerText, headerVar ? { [headerVar]: headerValue } : {});
      if (d.footer) rendered.footer = d.footer;
      template.rendered = rendered;
      const when = sendAt ? new Date(sendAt).toISOString() : undefined;
      if (mediaFormat && headerSource === "file" && headerFile) {
        // The file travels with the send; the server makes it the header.
        setProgress(0);
        return conversationsApi.attach(conversation.id, headerFile, { template: JSON.stringify(template), send_at: when }, setProgress);
      }
      if (mediaFormat) {
        const link = headerLink.trim();
        const type = mediaFormat.toLowerCase() as "image" | "video" | "document";
        const filename = type === "document" ? linkFilename(link) : "";
        template.header = { type, media: { link, ...(filename ? { filename } : {}) } };
      }
      const body: Send = { type: "template", template, ...(when ? { send_at: when } : {}) };
      return conversationsApi.send(conversation.id, body);
    },
    meta: { inline: true },
    onSettled: () => setProgress(null),
    onError: (err) => {
      // Problems with the header's file are said next to it.
      if (!isApiError(err)) return;
      if (err.code === "too_large" && headerFile && mediaFormat)
        setHeaderError(
          t("inbox.templates.header_too_large", {
            size: formatSize(headerFile.size, i18n.language),
            max: formatSize(HEADER_MEDIA[mediaFormat].maxBytes, i18n.language),
          }),
        );
      else if (mediaFormat && (err.code === "template_header_type_mismatch" || err.fields.file === "invalid_type"))
        setHeaderError(t(`inbox.templates.header_wrong_type.${mediaFormat}`));
      else if (err.fields.file === "empty_file") setHeaderError(t("inbox.templates.header_empty"));
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: conversationKeys.messages(conversation.id) });
      reset();
      onOpenChange(false);
      onSent();
    },
  });
  const headerHandled = send.error && isApiError(send.error) && headerError !== "";
  const required = t("field.required");
  const varError = (v: string | undefined) => (checked && !(v ?? "").trim() ? required : undefined);
  const headerMissing =
    mediaFormat === null
      ? ""
      : headerSource === "file"
        ? headerFile
          ? ""
          : t("inbox.templates.header_required")
        : !headerLink.trim()
          ? t("inbox.templates.header_link_required")
          : headerLinkOk(headerLink)
            ? ""
            : t("inbox.templates.header_link_invalid");
  const shownHeaderError = headerError || (checked ? headerMissing : "");
  const missing =
    bodyVars.some((n) => !(values[n] ?? "").trim()) ||
    (headerVar !== undefined && !headerValue.trim()) ||
    urlButtons.some(({ index }) => !(buttonValues[index] ?? "").trim()) ||
    headerMissing !== "" ||
    (headerSource === "file" && headerError !== "");
  const previewDraft = draft
    ? { ...draft, examples: Object.fromEntries(bodyVars.map((n) => [n, values[n] ?? ""])), headerExample: headerValue }
    : null;
  function submit(e: FormEvent) {
    e.preventDefault();
    setChecked(true);
    if (picked && !missing && !send.isPending) send.mutate();
  }
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (!o && send.isPending) return; // an upload in flight finishes first
        onOpenChange(o);
      }}
    >
      <DialogContent title={t("inbox.templates.title")} description={t("inbox.templates.help")} size="large">
        {list.isPending && <Spinner />}
        {list.isSuccess && approved.length === 0 && <Alert>{t("inbox.templates.none")}</Alert>}
        {picked && draft && previewDraft && (
          <form onSubmit={submit} className="grid gap-4 md:grid-cols-[minmax(0,1fr)_18rem]" noValidate data-testid="template-picker">
            <div className="flex min-w-0 flex-col gap-3">
              <div className="flex flex-col gap-1.5">
                <Label htmlFor={selectId}>{t("inbox.templates.pick")}</Label>
                <Select
                  id={selectId}
                  value={picked.id}
                  onChange={(e) => {
                    setPickedId(e.target.value);
                    reset();
                  }}
                >
                  {approved.map((x) => (
                    <option key={x.id} value={x.id}>
                      {x.name} ({x.language})
                    </option>
                  ))}
                </Select>
              </div>
              {mediaFormat && (
                <HeaderMediaField
                  format={mediaFormat}
                  source={headerSource}
                  onSource={(s) => {
                    setHeaderSource(s);
                    setHeaderError("");
                  }}
                  file={headerFile}
                  onFile={pickFile}
                  link={headerLink}
                  onLink={(v) => {
                    setHeaderLink(v);
                    setHeaderError("");
                  }}
                  error={shownHeaderError}
                  progress={progress}
                />
              )}
              {headerVar !== undefined && (
                <Field
                  label={t("inbox.templates.header_var", { name: headerVar })}
                  value={headerValue}
                  onChange={(e) => setHeaderValue(e.target.value)}
                  error={varError(headerValue)}
                />
              )}
              {bodyVars.map((n, i) => (
                <Field
                  key={n}
                  label={t("inbox.templates.var", { name: n })}
                  value={values[n] ?? ""}
                  placeholder={i === 0 && firstName ? firstName : ""}
                  onChange={(e) => setValues((v) => ({ ...v, [n]: e.target.value }))}
                  error={varError(values[n])}
                />
              ))}
              {urlButtons.map(({ b, index }) => (
                <Field
                  key={`b${index}`}
                  label={t("inbox.templates.button_var", { text: b.text })}
                  hint={b.url.replace(/\{\{\s*1\s*\}\}/, "…")}
                  value={buttonValues[index] ?? ""}
                  onChange={(e) => setButtonValues((v) => ({ ...v, [index]: e.target.value }))}
                  error={varError(buttonValues[index])}
                />
              ))}
              {bodyVars.length === 0 && headerVar === undefined && urlButtons.length === 0 && !mediaFormat && (
                <p className="text-sm text-muted-foreground">{t("inbox.templates.no_vars")}</p>
              )}
              {send.error && !headerHandled ? <Alert tone="danger">{errorMessage(t, send.error)}</Alert> : null}
            </div>
            <div className="flex min-w-0 flex-col gap-3">
              <TemplatePreview
                d={previewDraft}
                mediaName={headerSource === "file" ? headerFile?.name : headerLink.trim() ? headerLink.trim().split("/").pop() : undefined}
                mediaUrl={headerSource === "file" && !headerError ? filePreview : ""}
              />
              <DialogFooter>
                <Button variant="outline" onClick={() => onOpenChange(false)} disabled={send.isPending}>
                  {t("common.cancel")}
                </Button>
                <Button type="submit" disabled={send.isPending}>
                  {send.isPending ? <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> : <SendIcon className="h-4 w-4" aria-hidden />}
                  {sendAt ? t("inbox.composer.schedule") : t("inbox.templates.send")}
                </Button>
              </DialogFooter>
            </div>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

function ScheduleDialog({
  open,
  onOpenChange,
  value,
  onPick,
}: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  value: string;
  onPick: (v: string) => void;
}) {
  const { t } = useTranslation();
  const [v, setV] = useState(value || toLocalInput(new Date(Date.now() + 3_600_000)));
  const past = !v || new Date(v).getTime() <= Date.now();
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title={t("inbox.composer.send_later")} description={t("inbox.composer.send_later_help")}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!past) {
              onPick(v);
              onOpenChange(false);
            }
          }}
          className="flex flex-col gap-4"
        >
          <Field
            label={t("inbox.composer.when")}
            type="datetime-local"
            value={v}
            min={toLocalInput(new Date())}
            onChange={(e) => setV(e.target.value)}
            error={v && past ? t("inbox.composer.in_the_past") : undefined}
          />
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" disabled={past}>
              {t("inbox.composer.set_time")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** Edits a scheduled message's text and time while it waits. */
export function EditScheduledDialog({ m, onOpenChange }: { m: Message | null; onOpenChange: (o: boolean) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [text, setText] = useState(m?.text ?? "");
  const [when, setWhen] = useState(m?.send_at ? toLocalInput(new Date(m.send_at)) : "");
  useEffect(() => {
    setText(m?.text ?? "");
    setWhen(m?.send_at ? toLocalInput(new Date(m.send_at)) : "");
  }, [m]);
  const save = useMutation({
    mutationFn: () =>
      conversationsApi.editMessage(m!.id, {
        ...(m!.type === "text" ? { text } : {}),
        send_at: new Date(when).toISOString(),
      }),
    meta: { inline: true },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: conversationKeys.messages(m!.conversation_id) });
      onOpenChange(false);
    },
  });
  return (
    <Dialog open={m !== null} onOpenChange={onOpenChange}>
      <DialogContent title={t("inbox.scheduled.edit_title")}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
          className="flex flex-col gap-4"
        >
          {m?.type === "text" && (
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="scheduled-text">{t("inbox.scheduled.text")}</Label>
              <Textarea id="scheduled-text" value={text} onChange={(e) => setText(e.target.value)} rows={4} />
            </div>
          )}
          <Field label={t("inbox.composer.when")} type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} />
          {save.error ? <Alert tone="danger">{errorMessage(t, save.error)}</Alert> : null}
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" disabled={save.isPending || !when || (m?.type === "text" && !text.trim())}>
              {t("common.save")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function EmojiPicker({ onPick }: { onPick: (e: string) => void }) {
  const { t } = useTranslation();
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon" aria-label={t("inbox.composer.emoji")} title={t("inbox.composer.emoji")}>
          <Smile className="h-5 w-5" aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent side="top" align="start" className="w-72 p-2" onCloseAutoFocus={(e) => e.preventDefault()}>
        <div className="grid max-h-56 grid-cols-8 gap-0.5 overflow-y-auto" role="group" aria-label={t("inbox.composer.emoji")} data-testid="emoji-picker">
          {EMOJI.map((e) => (
            <button
              key={e}
              type="button"
              className="rounded p-1 text-xl leading-none hover:bg-muted focus-visible:bg-muted"
              onClick={() => onPick(e)}
              aria-label={e}
            >
              {e}
            </button>
          ))}
        </div>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

/** What to write back: text (with emoji, "/" canned responses, a quote), files, templates, notes, or later. */
export function Composer({
  conversation,
  replyTo,
  onClearReply,
  dropped,
  onDroppedTaken,
}: {
  conversation: Conversation;
  replyTo: Message | null;
  onClearReply: () => void;
  dropped: File[];
  onDroppedTaken: () => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const dates = useDates();
  const now = useNow(30_000);
  const [text, setText] = useState("");
  const [note, setNote] = useState(false);
  const [sendAt, setSendAt] = useState("");
  const [scheduling, setScheduling] = useState(false);
  const [templates, setTemplates] = useState(false);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [slash, setSlash] = useState<{ query: string; start: number } | null>(null);
  const [active, setActive] = useState(0);
  const box = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const uploadKey = useRef(1);
  const window24 = windowAt(conversation.window_closes_at, now);
  const closed = window24.state === "closed";
  const resolved = conversation.status === "resolved";

  const canned = useQuery({ ...cannedQuery(slash?.query ?? "", conversation.id), enabled: slash !== null });
  const cannedItems = (canned.data?.data ?? []).slice(0, 8);

  const refresh = () => {
    void qc.invalidateQueries({ queryKey: conversationKeys.messages(conversation.id) });
    void qc.invalidateQueries({ queryKey: conversationKeys.all });
  };

  const send = useMutation({
    mutationFn: (body: Send) => conversationsApi.send(conversation.id, body),
    meta: { inline: true },
    onSuccess: () => {
      setText("");
      setSendAt("");
      onClearReply();
      refresh();
      box.current?.focus();
    },
  });

  function upload(files: File[]) {
    for (const file of files) {
      const key = uploadKey.current++;
      setUploads((u) => [...u, { key, name: file.name, progress: 0, error: "", done: false }]);
      const set = (patch: Partial<Upload>) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...patch } : x)));
      conversationsApi
        .attach(
          conversation.id,
          file,
          { reply_to: replyTo?.id, send_at: sendAt ? new Date(sendAt).toISOString() : undefined },
          (p) => set({ progress: p }),
        )
        .then(() => {
          set({ progress: 1, done: true });
          refresh();
          window.setTimeout(() => setUploads((u) => u.filter((x) => x.key !== key)), 1500);
        })
        .catch((err: unknown) => {
          const msg = isApiError(err) && err.code === "too_large" ? t("error.too_large") : errorMessage(t, err);
          set({ error: msg });
        });
    }
  }

  useEffect(() => {
    if (dropped.length) {
      if (!note && !closed && !resolved) upload(dropped);
      onDroppedTaken();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dropped]);

  function submit(e?: FormEvent) {
    e?.preventDefault();
    const body = text.trim();
    if (!body || send.isPending) return;
    if (note) send.mutate({ type: "note", text: body });
    else
      send.mutate({
        type: "text",
        text: body,
        ...(replyTo ? { reply_to: replyTo.id } : {}),
        ...(sendAt ? { send_at: new Date(sendAt).toISOString() } : {}),
      });
  }

  function pickCanned(i: number) {
    const c = cannedItems[i];
    if (!c || !slash) return;
    const el = box.current;
    const caret = el?.selectionStart ?? text.length;
    const next = insertCanned(text, caret, slash.start, c.rendered ?? c.text);
    setText(next.text);
    setSlash(null);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(next.caret, next.caret);
    });
  }

  function onChange(v: string, caret: number) {
    setText(v);
    const s = slashQuery(v, caret);
    setSlash(s);
    setActive(0);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (slash && cannedItems.length) {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        setActive((a) => (a + 1) % cannedItems.length);
        return;
      }
      if (e.key === "ArrowUp") {
        e.preventDefault();
        setActive((a) => (a - 1 + cannedItems.length) % cannedItems.length);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        pickCanned(active);
        return;
      }
    }
    if (e.key === "Escape" && slash) {
      setSlash(null);
      return;
    }
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  }

  function addEmoji(emoji: string) {
    const el = box.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    const next = text.slice(0, start) + emoji + text.slice(end);
    setText(next);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + emoji.length, start + emoji.length);
    });
  }

  const sendError = send.error ? errorMessage(t, send.error) : "";
  const templatesOnly = closed && !note;

  return (
    <div className={cn("shrink-0 border-t border-border", note ? "bg-note" : "bg-card")} data-testid="composer">
      {replyTo && (
        <div className="flex items-start gap-2 border-b border-border px-3 py-2" data-testid="replying-to">
          <div className="min-w-0 flex-1 rounded-md border-l-4 border-primary bg-muted px-2 py-1 text-xs">
            <p className="font-semibold text-primary">
              {replyTo.direction === "inbound" ? t("inbox.bubble.contact") : replyTo.author?.name || t("inbox.bubble.you")}
            </p>
            <p className="truncate">{replyTo.text || t(`messages.kind.${replyTo.type}`, { defaultValue: replyTo.type })}</p>
          </div>
          <button type="button" onClick={onClearReply} className="rounded p-1 hover:bg-muted" aria-label={t("inbox.composer.cancel_reply")}>
            <X className="h-4 w-4" aria-hidden />
          </button>
        </div>
      )}
      {uploads.length > 0 && (
        <ul className="flex flex-col gap-1 border-b border-border px-3 py-2 text-xs" aria-label={t("inbox.composer.uploads")}>
          {uploads.map((u) => (
            <li key={u.key} className="flex items-center gap-2" data-testid="upload">
              <Paperclip className="h-3.5 w-3.5 shrink-0" aria-hidden />
              <span className="w-40 truncate">{u.name}</span>
              {u.error ? (
                <span className="flex-1 text-danger" role="alert">
                  {u.error}
                </span>
              ) : (
                <span className="flex flex-1 items-center gap-2">
                  <span
                    className="h-1.5 flex-1 overflow-hidden rounded-full bg-muted"
                    role="progressbar"
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={Math.round(u.progress * 100)}
                    aria-label={u.name}
                  >
                    <span className="block h-full bg-primary transition-[width]" style={{ width: `${Math.round(u.progress * 100)}%` }} />
                  </span>
                  <span className="w-16 text-right tabular-nums">{u.done ? t("inbox.composer.uploaded") : `${Math.round(u.progress * 100)}%`}</span>
                </span>
              )}
              {(u.error || u.done) && (
                <button type="button" onClick={() => setUploads((x) => x.filter((y) => y.key !== u.key))} aria-label={t("common.close")} className="rounded p-0.5 hover:bg-muted">
                  <X className="h-3.5 w-3.5" aria-hidden />
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="flex flex-wrap items-center gap-2 px-3 pt-2 text-xs">
        <div className="flex rounded-md bg-muted p-0.5" role="group" aria-label={t("inbox.composer.mode")}>
          <button
            type="button"
            aria-pressed={!note}
            onClick={() => setNote(false)}
            className={cn("rounded px-2 py-1", !note && "bg-background font-medium shadow-sm")}
          >
            {t("inbox.composer.reply")}
          </button>
          <button
            type="button"
            aria-pressed={note}
            onClick={() => setNote(true)}
            className={cn("flex items-center gap-1 rounded px-2 py-1", note && "bg-note font-medium shadow-sm")}
            data-testid="note-toggle"
          >
            <StickyNote className="h-3.5 w-3.5" aria-hidden />
            {t("inbox.composer.note")}
          </button>
        </div>
        <WindowBadge conversation={conversation} now={now} />
        {sendAt && !note && (
          <span className="inline-flex items-center gap-1 rounded-full bg-accent px-2 py-0.5 text-accent-foreground" data-testid="send-at">
            <CalendarClock className="h-3.5 w-3.5" aria-hidden />
            {t("inbox.composer.will_send", { when: dates.dateTime(new Date(sendAt).toISOString()) })}
            <button type="button" onClick={() => setSendAt("")} aria-label={t("inbox.composer.clear_time")} className="rounded-full hover:bg-background/50">
              <X className="h-3.5 w-3.5" aria-hidden />
            </button>
          </span>
        )}
        {note ? (
          <span className="text-warning-foreground">{t("inbox.composer.note_help")}</span>
        ) : (
          !templatesOnly && !resolved && <span className="hidden text-muted-foreground lg:inline">{t("inbox.composer.slash_hint")}</span>
        )}
      </div>
      {resolved && !note ? (
        <p className="px-3 py-3 text-sm text-muted-foreground" data-testid="resolved-help">
          {t("inbox.composer.resolved")}
        </p>
      ) : templatesOnly ? (
        <div className="flex flex-col gap-2 px-3 py-3 sm:flex-row sm:items-center" data-testid="window-closed">
          <p className="flex-1 text-sm">{t("inbox.window.closed")}</p>
          <Button onClick={() => setTemplates(true)} disabled={!conversation.connection_id}>
            <FileText className="h-4 w-4" aria-hidden />
            {t("inbox.composer.template")}
          </Button>
        </div>
      ) : (
        <form onSubmit={submit} className="relative flex items-end gap-1 px-2 py-2">
          {slash && (
            <div className="absolute right-2 bottom-full left-2 z-20 mb-1 max-h-64 overflow-y-auto rounded-md border border-border bg-card shadow-lg" data-testid="canned-menu">
              {canned.isPending && <Spinner />}
              {canned.isSuccess && cannedItems.length === 0 && (
                <p className="p-3 text-sm text-muted-foreground">{t("inbox.canned.none", { query: slash.query })}</p>
              )}
              <ul role="listbox" aria-label={t("inbox.canned.title")}>
                {cannedItems.map((c, i) => (
                  <li
                    key={c.id}
                    role="option"
                    aria-selected={i === active}
                    className={cn("cursor-pointer px-3 py-2 text-sm", i === active && "bg-muted")}
                    onMouseDown={(e) => {
                      e.preventDefault();
                      pickCanned(i);
                    }}
                    onMouseEnter={() => setActive(i)}
                  >
                    <span className="font-mono text-xs text-primary">/{c.shortcut}</span>
                    <span className="line-clamp-2 block text-muted-foreground">{c.rendered ?? c.text}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {!note && (
            <>
              <EmojiPicker onPick={addEmoji} />
              <Button
                variant="ghost"
                size="icon"
                onClick={() => fileInput.current?.click()}
                aria-label={t("inbox.composer.attach")}
                title={t("inbox.composer.attach")}
              >
                <Paperclip className="h-5 w-5" aria-hidden />
              </Button>
              <input
                ref={fileInput}
                type="file"
                multiple
                className="hidden"
                data-testid="attach-input"
                onChange={(e) => {
                  upload([...(e.target.files ?? [])]);
                  e.target.value = "";
                }}
              />
              <Button
                variant="ghost"
                size="icon"
                onClick={() => setTemplates(true)}
                aria-label={t("inbox.composer.template")}
                title={t("inbox.composer.template")}
                disabled={!conversation.connection_id}
              >
                <FileText className="h-5 w-5" aria-hidden />
              </Button>
            </>
          )}
          <textarea
            ref={box}
            value={text}
            rows={Math.min(6, Math.max(1, text.split("\n").length))}
            onChange={(e) => onChange(e.target.value, e.target.selectionStart)}
            onKeyDown={onKeyDown}
            onBlur={() => setSlash(null)}
            placeholder={note ? t("inbox.composer.note_placeholder") : t("inbox.composer.placeholder")}
            aria-label={note ? t("inbox.composer.note_placeholder") : t("inbox.composer.placeholder")}
            className="max-h-40 min-h-10 min-w-0 flex-1 resize-none rounded-md border border-input bg-background px-3 py-2 text-sm text-foreground focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-ring aria-[invalid=true]:border-danger"
            data-testid="composer-text"
            aria-invalid={sendError ? true : undefined}
          />
          {!note && (
            <Button
              variant="ghost"
              size="icon"
              onClick={() => setScheduling(true)}
              aria-label={t("inbox.composer.send_later")}
              title={t("inbox.composer.send_later")}
            >
              <CalendarClock className="h-5 w-5" aria-hidden />
            </Button>
          )}
          <Button type="submit" size="icon" disabled={!text.trim() || send.isPending} aria-label={note ? t("inbox.composer.add_note") : sendAt ? t("inbox.composer.schedule") : t("inbox.composer.send")}>
            {send.isPending ? <Loader2 className="h-5 w-5 animate-spin" aria-hidden /> : <SendIcon className="h-5 w-5" aria-hidden />}
          </Button>
        </form>
      )}
      {sendError && (
        <p className="px-3 pb-2 text-sm text-danger" role="alert">
          {sendError}
        </p>
      )}
      {scheduling && <ScheduleDialog open={scheduling} onOpenChange={setScheduling} value={sendAt} onPick={setSendAt} />}
      <TemplateDialog conversation={conversation} open={templates} onOpenChange={setTemplates} sendAt={note ? "" : sendAt} onSent={() => setSendAt("")} />
    </div>
  );
}
