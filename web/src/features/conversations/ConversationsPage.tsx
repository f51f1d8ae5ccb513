import { useEffect, useRef } from "react";
import { Link, useParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ArrowLeft, MessagesSquare, UserRound } from "lucide-react";
import { conversationQuery, conversationsQuery, messagesQuery, type Conversation } from "./api";
import { Timeline } from "./Bubble";
import { connectionsQuery } from "../connections/api";
import { Card } from "../../components/ui/card";
import { EmptyState, Spinner } from "../../components/ui/misc";
import { QueryError } from "../../components/query-error";
import { useTitle } from "../../lib/useTitle";
import { formatPhone } from "../../lib/format";
import { cn } from "../../lib/cn";
import { useDates } from "../settings/useDates";

// Read-only until the inbox arrives: polling keeps it fresh meanwhile.
const POLL_MS = 5000;

function Row({ c, active, connectionName }: { c: Conversation; active: boolean; connectionName: string }) {
  const { t } = useTranslation();
  const dates = useDates();
  return (
    <li>
      <Link
        to={`/inbox/${c.id}`}
        className={cn("flex items-center gap-3 px-3 py-3 hover:bg-muted", active && "bg-accent")}
        aria-current={active ? "page" : undefined}
        data-testid="conversation-row"
      >
        <span className="flex h-10 w-10 shrink-0 items-center justify-center rounded-full bg-muted">
          <UserRound className="h-5 w-5 text-muted-foreground" aria-hidden />
        </span>
        <span className="min-w-0 flex-1">
          <span className="flex items-baseline justify-between gap-2">
            <span className="truncate text-sm font-medium">{c.contact.name || formatPhone(c.contact.phone)}</span>
            <span className="shrink-0 text-xs text-muted-foreground">{dates.dateTime(c.last_message_at)}</span>
          </span>
          <span className="flex items-center justify-between gap-2">
            <span className="truncate text-xs text-muted-foreground">
              {c.contact.name ? `${formatPhone(c.contact.phone)} · ` : ""}
              {connectionName || t("conversations.no_connection")}
            </span>
            {c.unread_count > 0 && (
              <span
                className="flex h-5 min-w-5 shrink-0 items-center justify-center rounded-full bg-primary px-1.5 text-xs font-medium text-primary-foreground"
                aria-label={t("conversations.unread", { count: c.unread_count })}
              >
                {c.unread_count}
              </span>
            )}
          </span>
        </span>
      </Link>
    </li>
  );
}

function ConversationView({ id }: { id: string }) {
  const { t } = useTranslation();
  const conv = useQuery({ ...conversationQuery(id), refetchInterval: POLL_MS });
  const msgs = useQuery({ ...messagesQuery(id), refetchInterval: POLL_MS });
  const end = useRef<HTMLDivElement>(null);
  const count = msgs.data?.length ?? 0;
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [count]);
  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="flex h-14 shrink-0 items-center gap-2 border-b border-border px-3">
        <Link to="/inbox" className="rounded-md p-1.5 hover:bg-muted md:hidden" aria-label={t("conversations.back")}>
          <ArrowLeft className="h-5 w-5" aria-hidden />
        </Link>
        {conv.data && (
          <div className="min-w-0">
            <p className="truncate text-sm font-medium">{conv.data.contact.name || formatPhone(conv.data.contact.phone)}</p>
            <p className="truncate text-xs text-muted-foreground">{formatPhone(conv.data.contact.phone)}</p>
          </div>
        )}
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto bg-chat">
        {(conv.isError || msgs.isError) && (
          <div className="p-3">
            <QueryError error={conv.error ?? msgs.error} onRetry={() => void (conv.refetch(), msgs.refetch())} />
          </div>
        )}
        {msgs.isPending && <Spinner />}
        {msgs.data && <Timeline messages={msgs.data} className="min-h-full" empty={t("conversations.no_messages")} />}
        <div ref={end} />
      </div>
      <p className="shrink-0 border-t border-border bg-card px-3 py-2.5 text-center text-xs text-muted-foreground" data-testid="reply-later">
        {t("conversations.read_only")}
      </p>
    </div>
  );
}

export function ConversationsPage() {
  const { t } = useTranslation();
  const { id } = useParams();
  useTitle(t("nav.inbox"));
  const list = useQuery({ ...conversationsQuery(), refetchInterval: POLL_MS });
  const conns = useQuery(connectionsQuery);
  const names = new Map((conns.data?.data ?? []).map((c) => [c.id, c.name]));
  const items = list.data?.data ?? [];
  return (
    <div className="flex flex-col gap-4">
      <div className={cn(id && "hidden md:block")}>
        <h1 className="text-2xl font-semibold tracking-tight">{t("nav.inbox")}</h1>
        <p className="mt-1 text-sm text-muted-foreground">{t("conversations.help")}</p>
      </div>
      <Card className="flex h-[calc(100dvh-12rem)] min-h-[26rem] overflow-hidden md:h-[calc(100dvh-14rem)]">
        <div className={cn("flex w-full flex-col border-border md:w-80 md:shrink-0 md:border-r", id && "hidden md:flex")}>
          {list.isPending && <Spinner />}
          {list.isError && (
            <div className="p-3">
              <QueryError error={list.error} onRetry={() => list.refetch()} />
            </div>
          )}
          {list.data && items.length === 0 && (
            <EmptyState icon={<MessagesSquare className="h-6 w-6" aria-hidden />} title={t("conversations.empty")}>
              <p>{t("conversations.empty_help")}</p>
              <Link to="/connections" className="mt-2 inline-block text-primary hover:underline">
                {t("conversations.go_connections")}
              </Link>
            </EmptyState>
          )}
          {items.length > 0 && (
            <ul className="flex-1 divide-y divide-border overflow-y-auto" aria-label={t("conversations.list")}>
              {items.map((c) => (
                <Row key={c.id} c={c} active={c.id === id} connectionName={c.connection_id ? (names.get(c.connection_id) ?? "") : ""} />
              ))}
            </ul>
          )}
        </div>
        <div className={cn("min-w-0 flex-1", !id && "hidden md:block")}>
          {id ? (
            <ConversationView key={id} id={id} />
          ) : (
            <div className="flex h-full items-center justify-center bg-chat p-6 text-center text-sm text-muted-foreground">
              {t("conversations.pick")}
            </div>
          )}
        </div>
      </Card>
    </div>
  );
}
