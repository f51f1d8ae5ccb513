import { useEffect, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Inbox, ListFilter, MessagesSquare, Search, Smartphone, UserRound, Zap } from "lucide-react";
import {
  conversationKeys,
  conversationQuery,
  conversationsApi,
  countsQuery,
  inboxQuery,
  labelsQuery,
  readFilters,
  STATUSES,
  TABS,
  teamsQuery,
  type Conversation,
  type InboxFilters,
} from "./api";
import { ConversationView } from "./ConversationView";
import { ContactConversations } from "./ContactConversations";
import { Avatar, LabelChip, StatusBadge, useMedia, usePreview } from "./parts";
import { connectionsQuery } from "../connections/api";
import { contactQuery } from "../contacts/api";
import { PanelBody } from "../contacts/ContactPanel";
import { contactName } from "../contacts/parts";
import { Button } from "../../components/ui/button";
import { Input, Select } from "../../components/ui/input";
import { EmptyState, Spinner } from "../../components/ui/misc";
import { Sheet } from "../../components/ui/sheet";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useTitle } from "../../lib/useTitle";
import { formatPhone } from "../../lib/format";
import { isApiError } from "../../lib/api";
import { errorMessage } from "../../lib/errors";
import { cn } from "../../lib/cn";

function shortTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const sameDay = d.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(lang, sameDay ? { hour: "2-digit", minute: "2-digit" } : { day: "2-digit", month: "2-digit" }).format(d);
}

function Row({ c, active, search }: { c: Conversation; active: boolean; search: string }) {
  const { t, i18n } = useTranslation();
  const preview = usePreview(c);
  const name = c.contact.name || formatPhone(c.contact.phone);
  return (
    <li>
      <Link
        to={`/inbox/${c.id}${search}`}
        className={cn("flex gap-3 px-3 py-2.5 hover:bg-muted", active && "bg-accent hover:bg-accent")}
        aria-current={active ? "page" : undefined}
        data-testid="conversation-row"
        data-unread={c.unread_count > 0 ? "true" : undefined}
      >
        <span className="flex h-10 w-10 shrink-0 items-center justify-center rounded-full bg-muted">
          <UserRound className="h-5 w-5 text-muted-foreground" aria-hidden />
        </span>
        <span className="min-w-0 flex-1">
          <span className="flex items-baseline justify-between gap-2">
            <span className={cn("truncate text-sm", c.unread_count > 0 ? "font-semibold" : "font-medium")}>{name}</span>
            <span className={cn("shrink-0 text-xs", c.unread_count > 0 ? "font-medium text-primary" : "text-muted-foreground")}>
              {shortTime(c.last_message_at ?? c.created_at, i18n.language)}
            </span>
          </span>
          <span className="flex items-center justify-between gap-2">
            <span className="truncate text-xs text-muted-foreground" data-testid="preview">
              {preview || (c.contact.name ? formatPhone(c.contact.phone) : "")}
            </span>
            {c.unread_count > 0 && (
              <span
                className="flex h-5 min-w-5 shrink-0 items-center justify-center rounded-full bg-primary px-1.5 text-xs font-medium text-primary-foreground"
                aria-label={t("conversations.unread", { count: c.unread_count })}
                data-testid="unread"
              >
                {c.unread_count}
              </span>
            )}
          </span>
          <span className="mt-1 flex flex-wrap items-center gap-1">
            {c.protocol && <span className="font-mono text-[11px] text-muted-foreground">#{c.protocol}</span>}
            {c.status !== "open" && <StatusBadge status={c.status} />}
            {(c.labels ?? []).slice(0, 3).map((l) => (
              <LabelChip key={l.id} label={l} />
            ))}
            <span className="flex-1" />
            {c.connection?.name && <span className="max-w-24 truncate text-[11px] text-muted-foreground">{c.connection.name}</span>}
            {c.assignee && <Avatar name={c.assignee.name} className="h-5 w-5 text-[9px]" title={t("inbox.list.assigned_to", { name: c.assignee.name })} />}
          </span>
        </span>
      </Link>
    </li>
  );
}

function useSetFilter() {
  const [params, setParams] = useSearchParams();
  return (patch: Partial<Record<"tab" | "status" | "team" | "label" | "connection" | "q", string>>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };
}

function Filters({ f }: { f: InboxFilters }) {
  const { t } = useTranslation();
  const set = useSetFilter();
  const teams = useQuery(teamsQuery);
  const labels = useQuery(labelsQuery);
  const conns = useQuery(connectionsQuery);
  return (
    <div className="grid grid-cols-2 gap-2 border-b border-border px-3 py-2" data-testid="inbox-filters">
      <Select aria-label={t("inbox.filters.status")} value={f.status} onChange={(e) => set({ status: e.target.value === "open" ? "" : e.target.value })} className="h-8 text-xs">
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`inbox.status_filter.${s}`)}
          </option>
        ))}
        <option value="all">{t("inbox.status_filter.all")}</option>
      </Select>
      <Select aria-label={t("inbox.filters.connection")} value={f.connection_id} onChange={(e) => set({ connection: e.target.value })} className="h-8 text-xs">
        <option value="">{t("inbox.filters.any_connection")}</option>
        {(conns.data?.data ?? []).map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </Select>
      <Select aria-label={t("inbox.filters.team")} value={f.team_id} onChange={(e) => set({ team: e.target.value })} className="h-8 text-xs">
        <option value="">{t("inbox.filters.any_team")}</option>
        {(teams.data?.data ?? []).map((x) => (
          <option key={x.id} value={x.id}>
            {x.name}
          </option>
        ))}
      </Select>
      <Select aria-label={t("inbox.filters.label")} value={f.label} onChange={(e) => set({ label: e.target.value })} className="h-8 text-xs">
        <option value="">{t("inbox.filters.any_label")}</option>
        {(labels.data?.data ?? []).map((x) => (
          <option key={x.id} value={x.id}>
            {x.name}
          </option>
        ))}
      </Select>
    </div>
  );
}

function NoConversations({ f }: { f: InboxFilters }) {
  const { t } = useTranslation();
  const conns = useQuery(connectionsQuery);
  const filtered = f.q || f.team_id || f.label || f.connection_id || f.status !== "open";
  if (conns.isSuccess && conns.data.data.length === 0)
    return (
      <EmptyState icon={<Smartphone className="h-6 w-6" aria-hidden />} title={t("inbox.empty.no_connection")}>
        <p>{t("inbox.empty.no_connection_help")}</p>
        <Link to="/connections" className="mt-2 inline-block text-primary hover:underline">
          {t("conversations.go_connections")}
        </Link>
      </EmptyState>
    );
  const sim = conns.data?.data.find((c) => c.type === "simulator");
  return (
    <EmptyState icon={<MessagesSquare className="h-6 w-6" aria-hidden />} title={filtered ? t("inbox.empty.filtered") : t(`inbox.empty.${f.tab}`)}>
      <p>{filtered ? t("inbox.empty.filtered_help") : t(`inbox.empty.${f.tab}_help`)}</p>
      {!filtered && sim && (
        <Link to={`/connections/${sim.id}/simulator`} className="mt-2 inline-block text-primary hover:underline">
          {t("inbox.empty.try_simulator")}
        </Link>
      )}
      {!filtered && !sim && (
        <Link to="/connections" className="mt-2 inline-block text-primary hover:underline">
          {t("conversations.go_connections")}
        </Link>
      )}
    </EmptyState>
  );
}

function ConversationList({ activeId }: { activeId?: string }) {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const f = readFilters(params);
  const set = useSetFilter();
  const navigate = useNavigate();
  const toast = useToast();
  const qc = useQueryClient();
  const [q, setQ] = useState(f.q);
  const [showFilters, setShowFilters] = useState(Boolean(f.team_id || f.label || f.connection_id || f.status !== "open"));
  // The search box writes to the URL after a short pause.
  useEffect(() => {
    const id = window.setTimeout(() => {
      if (q !== f.q) set({ q });
    }, 300);
    return () => window.clearTimeout(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q]);
  const list = useInfiniteQuery(inboxQuery(f));
  const counts = useQuery(countsQuery);
  const take = useMutation({
    mutationFn: conversationsApi.take,
    meta: { inline: true },
    onSuccess: (c) => {
      void qc.invalidateQueries({ queryKey: conversationKeys.all });
      navigate(`/inbox/${c.id}?${params.toString()}`);
    },
    onError: (err) => {
      if (isApiError(err) && err.code === "queue_empty") toast(t("inbox.take.queue_empty"));
      else if (isApiError(err) && err.code === "at_capacity") toast(t("inbox.take.at_capacity"), "error");
      else toast(errorMessage(t, err), "error");
    },
  });
  const items = list.data?.pages.flatMap((p) => p.data) ?? [];
  const search = params.toString() ? `?${params.toString()}` : "";
  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="flex items-center justify-between gap-2 px-3 pt-3">
        <h1 className="text-lg font-semibold tracking-tight">{t("nav.inbox")}</h1>
        <Button size="sm" onClick={() => take.mutate()} disabled={take.isPending} data-testid="take-next" title={t("inbox.take.help")}>
          <Zap className="h-4 w-4" aria-hidden />
          {t("inbox.take.button")}
        </Button>
      </div>
      <div className="flex gap-1 px-3 pt-3" role="tablist" aria-label={t("inbox.tabs.label")}>
        {TABS.map((tab) => {
          const n = counts.data?.[tab];
          const on = f.tab === tab;
          return (
            <button
              key={tab}
              type="button"
              role="tab"
              aria-selected={on}
              onClick={() => set({ tab: tab === "mine" ? "" : tab })}
              className={cn(
                "flex flex-1 items-center justify-center gap-1.5 rounded-md px-2 py-1.5 text-sm whitespace-nowrap",
                on ? "bg-accent font-medium text-accent-foreground" : "text-muted-foreground hover:bg-muted",
              )}
              data-testid={`tab-${tab}`}
            >
              {t(`inbox.tabs.${tab}`)}
              {n && (
                <span
                  className={cn("rounded-full px-1.5 text-[11px] tabular-nums", n.unread > 0 ? "bg-primary text-primary-foreground" : "bg-muted text-muted-foreground")}
                  data-testid="tab-count"
                  title={t("inbox.tabs.count_help", { open: n.open, unread: n.unread })}
                >
                  {n.open}
                </span>
              )}
            </button>
          );
        })}
      </div>
      <div className="flex items-center gap-2 border-b border-border px-3 py-2">
        <div className="relative flex-1">
          <Search className="pointer-events-none absolute top-1/2 left-2.5 h-4 w-4 -translate-y-1/2 text-muted-foreground" aria-hidden />
          <Input
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder={t("inbox.search")}
            aria-label={t("inbox.search")}
            className="h-9 pl-8"
          />
        </div>
        <Button
          variant={showFilters ? "secondary" : "ghost"}
          size="icon"
          className="h-9 w-9"
          onClick={() => setShowFilters((s) => !s)}
          aria-expanded={showFilters}
          aria-label={t("inbox.filters.title")}
          title={t("inbox.filters.title")}
        >
          <ListFilter className="h-4 w-4" aria-hidden />
        </Button>
      </div>
      {showFilters && <Filters f={f} />}
      {f.tab === "unassigned" && <p className="border-b border-border px-3 py-1.5 text-xs text-muted-foreground">{t("inbox.queue_help")}</p>}
      <div className="min-h-0 flex-1 overflow-y-auto">
        {list.isPending && <Spinner />}
        {list.isError && (
          <div className="p-3">
            <QueryError error={list.error} onRetry={() => list.refetch()} />
          </div>
        )}
        {list.isSuccess && items.length === 0 && <NoConversations f={f} />}
        {items.length > 0 && (
          <ul className="divide-y divide-border" aria-label={t("conversations.list")} data-testid="conversation-list">
            {items.map((c) => (
              <Row key={c.id} c={c} active={c.id === activeId} search={search} />
            ))}
          </ul>
        )}
        {list.hasNextPage && (
          <div className="p-3 text-center">
            <Button variant="outline" size="sm" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
              {t("inbox.load_more")}
            </Button>
          </div>
        )}
      </div>
    </div>
  );
}

function ContactSide({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const conv = useQuery(conversationQuery(conversationId));
  const contactId = conv.data?.contact.id ?? "";
  const contact = useQuery({ ...contactQuery(contactId), enabled: Boolean(contactId) });
  if (!contactId || contact.isPending) return <Spinner />;
  if (contact.isError)
    return (
      <div className="p-3">
        <QueryError error={contact.error} onRetry={() => contact.refetch()} />
      </div>
    );
  return (
    <div data-testid="inbox-contact">
      <div className="border-b border-border px-4 pt-4">
        <h2 className="truncate text-base font-semibold">{contactName(contact.data)}</h2>
        <p className="sr-only">{t("inbox.side.title")}</p>
      </div>
      <PanelBody
        contact={contact.data}
        onClose={() => navigate("/inbox")}
        conversations={<ContactConversations contactId={contactId} currentId={conversationId} />}
      />
    </div>
  );
}

/** The shared inbox: the list, the open conversation and the contact beside it (one at a time on a phone). */
export function ConversationsPage() {
  const { t } = useTranslation();
  const { id } = useParams();
  const wide = useMedia("(min-width: 1280px)");
  const [sideOpen, setSideOpen] = useState(true);
  const [sheetOpen, setSheetOpen] = useState(false);
  const conv = useQuery({ ...conversationQuery(id ?? ""), enabled: Boolean(id) }).data;
  useTitle(id && conv ? `${conv.contact.name || formatPhone(conv.contact.phone)} · ${t("nav.inbox")}` : t("nav.inbox"));
  const toggle = () => (wide ? setSideOpen((o) => !o) : setSheetOpen((o) => !o));
  return (
    <div className="flex h-full min-h-0 bg-card" data-testid="inbox">
      <section
        className={cn("flex w-full min-w-0 flex-col border-border md:w-80 md:shrink-0 md:border-r", id && "hidden md:flex")}
        aria-label={t("conversations.list")}
      >
        <ConversationList activeId={id} />
      </section>
      <section className={cn("min-w-0 flex-1", !id && "hidden md:block")} aria-label={t("inbox.conversation")}>
        {id ? (
          <ConversationView key={id} id={id} onTogglePanel={toggle} panelOpen={wide ? sideOpen : sheetOpen} />
        ) : (
          <div className="flex h-full flex-col items-center justify-center gap-2 bg-chat p-6 text-center text-sm text-muted-foreground">
            <Inbox className="h-8 w-8" aria-hidden />
            {t("conversations.pick")}
          </div>
        )}
      </section>
      {id && wide && sideOpen && (
        <aside className="w-72 shrink-0 overflow-y-auto border-l border-border 2xl:w-80" aria-label={t("inbox.side.title")}>
          <ContactSide key={id} conversationId={id} />
        </aside>
      )}
      {id && !wide && (
        <Sheet open={sheetOpen} onOpenChange={setSheetOpen} title={t("inbox.side.title")}>
          <ContactSide conversationId={id} />
        </Sheet>
      )}
    </div>
  );
}
