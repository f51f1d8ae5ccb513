import { Link } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { contactConversationsQuery } from "./api";
import { StatusBadge } from "./parts";
import { Spinner } from "../../components/ui/misc";
import { QueryError } from "../../components/query-error";
import { useDates } from "../settings/useDates";
import { cn } from "../../lib/cn";

/** A contact's conversations, newest first, each a link into the inbox. */
export function ContactConversations({ contactId, currentId }: { contactId: string; currentId?: string }) {
  const { t } = useTranslation();
  const dates = useDates();
  const list = useQuery(contactConversationsQuery(contactId));
  if (list.isPending) return <Spinner />;
  if (list.isError) return <QueryError error={list.error} onRetry={() => list.refetch()} />;
  const items = list.data.data;
  if (!items.length) return <p className="text-sm text-muted-foreground">{t("inbox.side.no_conversations")}</p>;
  return (
    <ul className="flex flex-col gap-1.5" data-testid="contact-conversations">
      {items.map((c) => (
        <li key={c.id}>
          <Link
            to={`/inbox/${c.id}`}
            className={cn("flex flex-col gap-0.5 rounded-md border border-border px-3 py-2 text-sm hover:bg-muted", c.id === currentId && "border-primary bg-accent")}
            aria-current={c.id === currentId ? "page" : undefined}
          >
            <span className="flex items-center justify-between gap-2">
              <span className="font-mono text-xs">{c.protocol ? `#${c.protocol}` : t("inbox.side.conversation")}</span>
              <StatusBadge status={c.status} />
            </span>
            <span className="truncate text-xs text-muted-foreground">
              {dates.dateTime(c.last_message_at ?? c.created_at)}
              {c.connection?.name ? ` · ${c.connection.name}` : ""}
              {c.closing_reason ? ` · ${c.closing_reason}` : ""}
            </span>
            {c.last_message?.text && <span className="truncate text-xs">{c.last_message.text}</span>}
          </Link>
        </li>
      ))}
    </ul>
  );
}
