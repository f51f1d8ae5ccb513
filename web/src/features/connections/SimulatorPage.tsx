import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ArrowLeft, Paperclip, SendHorizontal, UserRound } from "lucide-react";
import { connectionQuery, connectionsApi } from "./api";
import { conversationKeys, conversationsQuery, messagesQuery } from "../conversations/api";
import { Timeline } from "../conversations/Bubble";
import { Card } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Field } from "../../components/ui/field";
import { Input } from "../../components/ui/input";
import { Alert } from "../../components/ui/alert";
import { Spinner } from "../../components/ui/misc";
import { QueryError } from "../../components/query-error";
import { useFormErrors } from "../../lib/useFormErrors";
import { useTitle } from "../../lib/useTitle";
import { formatPhone } from "../../lib/format";

const POLL_MS = 1000;

/** Step one: who is the customer typing on this phone. */
function ChooseContact({ connectionId, onChoose }: { connectionId: string; onChoose: (phone: string, name: string) => void }) {
  const { t } = useTranslation();
  const [phone, setPhone] = useState("+55 11 91234-5678");
  const [name, setName] = useState(t("simulator.default_name"));
  const recent = useQuery(conversationsQuery(connectionId));
  const seen = new Set<string>();
  const contacts = (recent.data?.data ?? []).filter((c) => !seen.has(c.contact.phone) && seen.add(c.contact.phone)).slice(0, 8);
  function submit(e: FormEvent) {
    e.preventDefault();
    if (phone.trim()) onChoose(phone.trim(), name.trim());
  }
  return (
    <div className="flex flex-1 flex-col gap-4 overflow-y-auto p-4">
      <p className="text-sm text-muted-foreground">{t("simulator.choose_help")}</p>
      <form onSubmit={submit} className="flex flex-col gap-3" noValidate>
        <Field label={t("simulator.phone")} value={phone} onChange={(e) => setPhone(e.target.value)} inputMode="tel" required />
        <Field label={t("simulator.name")} value={name} onChange={(e) => setName(e.target.value)} hint={t("simulator.name_hint")} />
        <Button type="submit" disabled={!phone.trim()}>
          {t("simulator.start")}
        </Button>
      </form>
      {contacts.length > 0 && (
        <div>
          <p className="mb-2 text-xs font-medium text-muted-foreground">{t("simulator.recent")}</p>
          <ul className="flex flex-col gap-1">
            {contacts.map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  className="flex w-full items-center gap-2 rounded-md px-2 py-2 text-left text-sm hover:bg-muted"
                  onClick={() => onChoose(c.contact.phone, c.contact.name)}
                >
                  <UserRound className="h-4 w-4 text-muted-foreground" aria-hidden />
                  <span className="flex-1 truncate">{c.contact.name || formatPhone(c.contact.phone)}</span>
                  <span className="text-xs text-muted-foreground">{formatPhone(c.contact.phone)}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function Chat({ connectionId, phone, name, onPhone }: { connectionId: string; phone: string; name: string; onPhone: (p: string) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [text, setText] = useState("");
  const [more, setMore] = useState(false);
  const [mediaURL, setMediaURL] = useState("");
  const [payload, setPayload] = useState("");
  const convs = useQuery({ ...conversationsQuery(connectionId), refetchInterval: POLL_MS });
  const conv = convs.data?.data.find((c) => c.contact.phone === phone);
  const msgs = useQuery({ ...messagesQuery(conv?.id ?? ""), enabled: Boolean(conv), refetchInterval: POLL_MS });
  const send = useMutation({
    mutationFn: () =>
      connectionsApi.simulate(connectionId, { from: phone, name, text, media_url: mediaURL.trim(), button_payload: payload.trim() }),
    meta: { inline: true },
    onSuccess: (r) => {
      setText("");
      setMediaURL("");
      setPayload("");
      if (r.from !== phone) onPhone(r.from);
      void qc.invalidateQueries({ queryKey: conversationKeys.list(connectionId) });
    },
  });
  const errors = useFormErrors(send.error);
  const end = useRef<HTMLDivElement>(null);
  const count = msgs.data?.length ?? 0;
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [count]);
  function submit(e: FormEvent) {
    e.preventDefault();
    send.mutate();
  }
  const problem = errors.fields.from
    ? t("simulator.bad_phone", { error: errors.fields.from })
    : errors.fields.text || errors.fields.media_url || errors.fields.button_payload || errors.form;
  return (
    <>
      <div className="relative flex-1 overflow-y-auto bg-chat">
        {msgs.isError && (
          <div className="p-3">
            <QueryError error={msgs.error} onRetry={() => msgs.refetch()} />
          </div>
        )}
        <Timeline messages={msgs.data ?? []} className="min-h-full" empty={t("simulator.empty")} />
        <div ref={end} />
      </div>
      <form onSubmit={submit} className="flex flex-col gap-2 border-t border-border bg-card p-2" noValidate>
        {problem && <Alert tone="danger">{problem}</Alert>}
        {more && (
          <div className="grid gap-2 sm:grid-cols-2">
            <Field
              label={t("simulator.media_url")}
              type="url"
              value={mediaURL}
              onChange={(e) => setMediaURL(e.target.value)}
              error={errors.fields.media_url}
              placeholder="https://…/foto.jpg"
            />
            <Field
              label={t("simulator.button_payload")}
              value={payload}
              onChange={(e) => setPayload(e.target.value)}
              error={errors.fields.button_payload}
              hint={t("simulator.button_payload_hint")}
            />
          </div>
        )}
        <div className="flex items-center gap-2">
          <Button
            variant="ghost"
            size="icon"
            onClick={() => setMore((m) => !m)}
            aria-expanded={more}
            aria-label={t("simulator.more")}
            title={t("simulator.more")}
          >
            <Paperclip className="h-5 w-5" aria-hidden />
          </Button>
          <Input
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={t("simulator.type_message")}
            aria-label={t("simulator.message")}
            className="rounded-full"
            data-testid="simulator-text"
          />
          <Button type="submit" size="icon" className="shrink-0 rounded-full" disabled={send.isPending} aria-label={t("simulator.send")}>
            <SendHorizontal className="h-5 w-5" aria-hidden />
          </Button>
        </div>
      </form>
    </>
  );
}

export function SimulatorPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const conn = useQuery(connectionQuery(id));
  useTitle(t("simulator.title"));
  const phone = params.get("phone") ?? "";
  const name = params.get("name") ?? "";
  const choose = (p: string, n: string) =>
    setParams((x) => {
      x.set("phone", p);
      if (n) x.set("name", n);
      else x.delete("name");
      return x;
    });
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-col gap-1">
        <Link to={`/connections/${id}`} className="inline-flex items-center gap-1 self-start text-sm text-muted-foreground hover:text-foreground">
          <ArrowLeft className="h-4 w-4" aria-hidden />
          {conn.data?.name ?? t("nav.connections")}
        </Link>
        <h1 className="text-2xl font-semibold tracking-tight">{t("simulator.title")}</h1>
        <p className="text-sm text-muted-foreground">{t("simulator.help")}</p>
      </div>
      {conn.isPending && <Spinner />}
      {conn.isError && <QueryError error={conn.error} onRetry={() => conn.refetch()} />}
      {conn.data && conn.data.type !== "simulator" && <Alert tone="warning">{t("simulator.not_simulator")}</Alert>}
      {conn.data?.type === "simulator" && (
        <Card
          className="mx-auto flex h-[calc(100dvh-13rem)] min-h-[28rem] w-full max-w-md flex-col overflow-hidden md:h-[40rem]"
          data-testid="simulator-phone"
        >
          <div className="flex h-14 shrink-0 items-center gap-3 bg-primary px-3 text-primary-foreground">
            <span className="flex h-9 w-9 items-center justify-center rounded-full bg-white/20">
              <UserRound className="h-5 w-5" aria-hidden />
            </span>
            <div className="min-w-0 flex-1">
              <p className="truncate text-sm font-medium">{phone ? name || formatPhone(phone) : t("simulator.new_chat")}</p>
              {phone && <p className="truncate text-xs opacity-80">{formatPhone(phone)}</p>}
            </div>
            {phone && (
              <Button
                variant="ghost"
                size="sm"
                className="text-primary-foreground hover:bg-white/15"
                onClick={() =>
                  setParams((x) => {
                    x.delete("phone");
                    x.delete("name");
                    return x;
                  })
                }
              >
                {t("simulator.change")}
              </Button>
            )}
          </div>
          {phone ? (
            <Chat key={phone} connectionId={id} phone={phone} name={name} onPhone={(p) => choose(p, name)} />
          ) : (
            <ChooseContact connectionId={id} onChoose={choose} />
          )}
        </Card>
      )}
      <p className="text-center text-xs text-muted-foreground">{t("simulator.replies_later")}</p>
    </div>
  );
}
