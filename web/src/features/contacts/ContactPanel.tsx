import { useId, useState, type FormEvent, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Combine, Download, Pencil, ShieldCheck, ShieldOff, Trash2 } from "lucide-react";
import {
  CONSENT_SOURCES,
  consentQuery,
  contactKeys,
  contactLinks,
  contactQuery,
  contactSearchQuery,
  contactsApi,
  fieldsQuery,
  type Contact,
  type ConsentEvent,
} from "./api";
import { ConsentBadge, TagChip, contactName } from "./parts";
import { ContactFormDialog } from "./ContactForm";
import { Sheet } from "../../components/ui/sheet";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { Button } from "../../components/ui/button";
import { Field, FieldError } from "../../components/ui/field";
import { Label, Select, Textarea } from "../../components/ui/input";
import { Alert } from "../../components/ui/alert";
import { Spinner } from "../../components/ui/misc";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";
import { useDates } from "../settings/useDates";
import { formatPhone } from "../../lib/format";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";
import { ContactConversations } from "../conversations/ContactConversations";

function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="border-b border-border px-4 py-4">
      <div className="mb-2 flex items-center justify-between gap-2">
        <h3 className="text-sm font-semibold">{title}</h3>
        {actions}
      </div>
      {children}
    </section>
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-1 gap-0.5 py-1 text-sm @sm:grid-cols-[9rem_1fr] @sm:gap-2">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </div>
  );
}

function ConsentDialog({
  contact,
  action,
  onOpenChange,
}: {
  contact: Contact;
  action: "opt_in" | "opt_out" | null;
  onOpenChange: (o: boolean) => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const sourceId = useId();
  const textId = useId();
  const [source, setSource] = useState("agent");
  const [channel, setChannel] = useState("");
  const [text, setText] = useState("");
  const record = useMutation({
    mutationFn: () =>
      contactsApi.recordConsent(contact.id, {
        action: action!,
        source,
        channel: channel.trim(),
        ...(action === "opt_in" ? { wording: text.trim() } : { reason: text.trim() }),
      }),
    meta: { inline: true },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: contactKeys.all });
      toast(action === "opt_in" ? t("contacts.consent_dialog.recorded_in") : t("contacts.consent_dialog.recorded_out"));
      setText("");
      setChannel("");
      onOpenChange(false);
    },
  });
  const errors = useFormErrors(record.error);
  function submit(e: FormEvent) {
    e.preventDefault();
    record.mutate();
  }
  const optIn = action === "opt_in";
  return (
    <Dialog open={action !== null} onOpenChange={onOpenChange}>
      <DialogContent
        title={optIn ? t("contacts.consent_dialog.in_title", { name: contactName(contact) }) : t("contacts.consent_dialog.out_title", { name: contactName(contact) })}
        description={optIn ? t("contacts.consent_dialog.in_help") : t("contacts.consent_dialog.out_help")}
      >
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={sourceId}>{t("contacts.consent_dialog.source")}</Label>
            <Select id={sourceId} value={source} onChange={(e) => setSource(e.target.value)}>
              {CONSENT_SOURCES.map((s) => (
                <option key={s} value={s}>
                  {t(`contacts.sources.${s}`)}
                </option>
              ))}
            </Select>
            <FieldError>{errors.fields.source}</FieldError>
          </div>
          <Field
            label={t("contacts.consent_dialog.channel")}
            hint={t("contacts.consent_dialog.channel_hint")}
            value={channel}
            onChange={(e) => setChannel(e.target.value)}
            error={errors.fields.channel}
          />
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={textId}>{optIn ? t("contacts.consent_dialog.wording") : t("contacts.consent_dialog.reason")}</Label>
            <Textarea
              id={textId}
              rows={3}
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder={optIn ? t("contacts.consent_dialog.wording_example") : t("contacts.consent_dialog.reason_example")}
            />
            <FieldError>{errors.fields.wording || errors.fields.reason}</FieldError>
          </div>
          {errors.form && <Alert tone="danger">{errors.form}</Alert>}
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" variant={optIn ? "primary" : "danger"} disabled={record.isPending}>
              {optIn ? t("contacts.consent_dialog.record_in") : t("contacts.consent_dialog.record_out")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function ConsentHistory({ id }: { id: string }) {
  const { t } = useTranslation();
  const dates = useDates();
  const history = useQuery(consentQuery(id));
  if (history.isPending) return <Spinner />;
  if (history.isError) return <QueryError error={history.error} onRetry={() => history.refetch()} />;
  const events = history.data.data;
  if (!events.length) return <p className="text-sm text-muted-foreground">{t("contacts.panel.no_consent_history")}</p>;
  return (
    <ol className="flex flex-col gap-3" data-testid="consent-history">
      {events.map((e: ConsentEvent) => (
        <li key={e.id} className="rounded-md border border-border p-3 text-sm">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <span className="font-medium">{e.action === "opt_in" ? t("contacts.panel.event_in") : t("contacts.panel.event_out")}</span>
            <span className="text-xs text-muted-foreground">{dates.dateTime(e.created_at)}</span>
          </div>
          <p className="mt-1 text-muted-foreground">
            {t(`contacts.sources.${e.source}`, { defaultValue: e.source })}
            {e.channel ? ` · ${e.channel}` : ""}
            {e.actor?.name ? ` · ${e.actor.name}` : ""}
          </p>
          {e.wording && <p className="mt-1">“{e.wording}”</p>}
          {e.reason && <p className="mt-1">{t("contacts.panel.reason", { reason: e.reason })}</p>}
        </li>
      ))}
    </ol>
  );
}

function MergeDialog({ contact, open, onOpenChange }: { contact: Contact; open: boolean; onOpenChange: (o: boolean) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const [q, setQ] = useState("");
  const [other, setOther] = useState<Contact | null>(null);
  const results = useQuery({ ...contactSearchQuery(q.trim()), enabled: open && q.trim().length >= 2 });
  const merge = useMutation({
    mutationFn: () => contactsApi.merge(contact.id, other!.id),
    onSuccess: (survivor) => {
      qc.removeQueries({ queryKey: contactKeys.detail(other!.id) });
      qc.setQueryData(contactKeys.detail(survivor.id), survivor);
      void qc.invalidateQueries({ queryKey: contactKeys.all });
      toast(t("contacts.merge.done"));
      setOther(null);
      setQ("");
      onOpenChange(false);
    },
  });
  const found = (results.data?.data ?? []).filter((c) => c.id !== contact.id);
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title={t("contacts.merge.title", { name: contactName(contact) })} description={t("contacts.merge.help")}>
        {!other ? (
          <div className="flex flex-col gap-3">
            <Field label={t("contacts.merge.search")} type="search" value={q} onChange={(e) => setQ(e.target.value)} autoFocus />
            {results.isFetching && <Spinner />}
            {q.trim().length >= 2 && results.isSuccess && found.length === 0 && (
              <p className="text-sm text-muted-foreground">{t("contacts.merge.none")}</p>
            )}
            <ul className="flex max-h-64 flex-col divide-y divide-border overflow-y-auto">
              {found.map((c) => (
                <li key={c.id}>
                  <button type="button" className="w-full px-2 py-2 text-left text-sm hover:bg-muted" onClick={() => setOther(c)}>
                    <span className="font-medium">{contactName(c)}</span>
                    <span className="ml-2 text-muted-foreground">{c.name ? formatPhone(c.phone) : c.email}</span>
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <div className="flex flex-col gap-3">
            <Alert>{t("contacts.merge.confirm", { other: contactName(other), name: contactName(contact) })}</Alert>
            <DialogFooter>
              <Button variant="outline" onClick={() => setOther(null)}>
                {t("contacts.merge.back")}
              </Button>
              <Button onClick={() => merge.mutate()} disabled={merge.isPending}>
                {t("contacts.merge.submit")}
              </Button>
            </DialogFooter>
          </div>
        )}
      </DialogContent>
    </Dialog>
  );
}

/** A contact's details, tags and consent; the inbox shows it beside a conversation with its past conversations. */
export function PanelBody({ contact, onClose, conversations }: { contact: Contact; onClose: () => void; conversations?: ReactNode }) {
  const { t } = useTranslation();
  const admin = isAdmin(useMe().role);
  const dates = useDates();
  const qc = useQueryClient();
  const toast = useToast();
  const defs = useQuery(fieldsQuery);
  const [editing, setEditing] = useState(false);
  const [merging, setMerging] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [consentAction, setConsentAction] = useState<"opt_in" | "opt_out" | null>(null);
  const remove = useMutation({
    mutationFn: () => contactsApi.remove(contact.id),
    onSettled: () => setDeleting(false),
    onSuccess: () => {
      qc.removeQueries({ queryKey: contactKeys.detail(contact.id) });
      void qc.invalidateQueries({ queryKey: contactKeys.all });
      toast(t("contacts.panel.deleted", { name: contactName(contact) }));
      onClose();
    },
  });
  const fieldLabel = (key: string) => defs.data?.data.find((d) => d.key === key)?.label || key;
  const fieldEntries = Object.entries(contact.fields ?? {}).filter(([, v]) => v !== null && v !== "");
  const show = (v: unknown) => (v === true ? t("common.yes") : v === false ? t("common.no") : String(v));
  const consent = contact.consent ?? { state: "unknown", source: "", at: null };

  return (
    <div data-testid="contact-panel" className="@container">
      <div className="flex flex-col gap-3 border-b border-border px-4 py-4">
        {contact.name && <p className="text-base tabular-nums">{formatPhone(contact.phone)}</p>}
        <div className="flex flex-wrap gap-2">
          <Button size="sm" variant="outline" onClick={() => setEditing(true)}>
            <Pencil className="h-4 w-4" aria-hidden />
            {t("contacts.panel.edit")}
          </Button>
          {admin && (
            <Button size="sm" variant="outline" asChild>
              <a href={contactLinks.exportOne(contact.id)} download>
                <Download className="h-4 w-4" aria-hidden />
                {t("contacts.panel.export")}
              </a>
            </Button>
          )}
          <Button size="sm" variant="outline" onClick={() => setMerging(true)}>
            <Combine className="h-4 w-4" aria-hidden />
            {t("contacts.panel.merge")}
          </Button>
          {admin && (
            <Button size="sm" variant="outline" onClick={() => setDeleting(true)}>
              <Trash2 className="h-4 w-4 text-danger" aria-hidden />
              {t("contacts.panel.delete")}
            </Button>
          )}
        </div>
      </div>
      <Section title={t("contacts.panel.details")}>
        <dl>
          <Item label={t("contacts.fields.email")}>{contact.email || "—"}</Item>
          <Item label={t("contacts.fields.language")}>
            {contact.language ? t(`contacts.languages.${contact.language.replace("-", "_")}`, { defaultValue: contact.language }) : "—"}
          </Item>
          {fieldEntries.map(([k, v]) => (
            <Item key={k} label={fieldLabel(k)}>
              {show(v)}
            </Item>
          ))}
          <Item label={t("contacts.fields.created_at")}>{dates.dateTime(contact.created_at)}</Item>
          <Item label={t("contacts.fields.last_inbound")}>{dates.dateTime(contact.last_inbound_at) || t("contacts.panel.never")}</Item>
          <Item label={t("contacts.fields.last_outbound")}>{dates.dateTime(contact.last_outbound_at) || t("contacts.panel.never")}</Item>
        </dl>
        {contact.notes && <p className="mt-2 rounded-md bg-muted p-3 text-sm whitespace-pre-wrap">{contact.notes}</p>}
      </Section>
      <Section title={t("contacts.fields.tags")}>
        {contact.tags.length ? (
          <div className="flex flex-wrap gap-1.5">
            {contact.tags.map((tag) => (
              <TagChip key={tag.id} tag={tag} />
            ))}
          </div>
        ) : (
          <p className="text-sm text-muted-foreground">{t("contacts.panel.no_tags")}</p>
        )}
      </Section>
      <Section title={t("contacts.fields.consent")}>
        <div className="mb-3 flex flex-col gap-2">
          <div className="flex items-center gap-2" data-testid="consent-state">
            <ConsentBadge state={consent.state} />
            {consent.at && (
              <span className="text-xs text-muted-foreground">
                {t(`contacts.sources.${consent.source}`, { defaultValue: consent.source })} · {dates.dateTime(consent.at)}
              </span>
            )}
          </div>
          <p className="text-xs text-muted-foreground">{t(`contacts.consent_help.${consent.state}`)}</p>
          <div className="flex flex-wrap gap-2">
            <Button size="sm" variant="outline" onClick={() => setConsentAction("opt_in")}>
              <ShieldCheck className="h-4 w-4" aria-hidden />
              {t("contacts.panel.record_in")}
            </Button>
            <Button size="sm" variant="outline" onClick={() => setConsentAction("opt_out")}>
              <ShieldOff className="h-4 w-4" aria-hidden />
              {t("contacts.panel.record_out")}
            </Button>
          </div>
        </div>
        <h4 className="mb-2 text-xs font-medium text-muted-foreground uppercase">{t("contacts.panel.consent_history")}</h4>
        <ConsentHistory id={contact.id} />
      </Section>
      <Section title={t("contacts.panel.conversations")}>
        {conversations ?? <ContactConversations contactId={contact.id} />}
      </Section>
      <ContactFormDialog open={editing} onOpenChange={setEditing} contact={contact} />
      <MergeDialog contact={contact} open={merging} onOpenChange={setMerging} />
      <ConsentDialog contact={contact} action={consentAction} onOpenChange={(o) => !o && setConsentAction(null)} />
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={t("contacts.panel.delete_title", { name: contactName(contact) })}
        description={t("contacts.panel.delete_help")}
        confirmLabel={t("contacts.panel.delete")}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
      />
    </div>
  );
}

/** The contact's details beside the list; the whole screen on a phone. */
export function ContactPanel({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const contact = useQuery(contactQuery(id));
  const title = contact.data ? contactName(contact.data) : t("contacts.panel.title");
  return (
    <Sheet open onOpenChange={(o) => !o && onClose()} title={title}>
      {contact.isPending && <Spinner />}
      {contact.isError && (
        <div className="p-4">
          <QueryError error={contact.error} onRetry={() => contact.refetch()} />
        </div>
      )}
      {contact.data && <PanelBody contact={contact.data} onClose={onClose} />}
    </Sheet>
  );
}
