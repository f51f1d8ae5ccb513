import { useId } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import { ScrollText } from "lucide-react";
import { AUDIT_ACTIONS, auditQuery, type AuditEntry } from "./api";
import { Card } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Label, Select } from "../../components/ui/input";
import { EmptyState, PageHeader, Spinner } from "../../components/ui/misc";
import { QueryError } from "../../components/query-error";
import { useDates } from "./useDates";

const actionKey = (action: string) => `audit.actions.${action.replaceAll(".", "_")}`;

/** A translated sentence for one audit entry; unknown actions show their name. */
export function auditSentence(t: TFunction, e: AuditEntry): string {
  const actor =
    e.actor.type === "system"
      ? t("audit.system")
      : e.actor.name || (e.actor.type === "api_key" ? t("audit.an_api_key") : t("audit.someone"));
  const d = e.details ?? {};
  const str = (k: string) => (typeof d[k] === "string" ? (d[k] as string) : "");
  const role = (k: string) => (str(k) ? t(`roles.${str(k)}`, { defaultValue: str(k) }) : "");
  const vars = {
    actor,
    email: str("email"),
    name: str("name") || str("target_name"),
    role: role("role"),
    from: role("from") || role("old_role"),
    to: role("to") || role("new_role") || role("role"),
    action: e.action,
  };
  return t(actionKey(e.action), { ...vars, defaultValue: t("audit.generic", vars) });
}

export function AuditPage() {
  const { t } = useTranslation();
  const dates = useDates();
  const id = useId();
  const [params, setParams] = useSearchParams();
  const action = params.get("action") ?? "";
  const audit = useInfiniteQuery(auditQuery(action));
  const entries = audit.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <div>
      <PageHeader title={t("settings.nav.audit")} description={t("audit.help")} />
      <div className="mb-4 flex flex-col gap-1.5 sm:max-w-xs">
        <Label htmlFor={id}>{t("audit.filter")}</Label>
        <Select
          id={id}
          value={action}
          onChange={(e) => {
            const next = new URLSearchParams(params);
            if (e.target.value) next.set("action", e.target.value);
            else next.delete("action");
            setParams(next, { replace: true });
          }}
        >
          <option value="">{t("audit.all")}</option>
          {!AUDIT_ACTIONS.includes(action as (typeof AUDIT_ACTIONS)[number]) && action && <option value={action}>{action}</option>}
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {t(`audit.names.${a.replaceAll(".", "_")}`)}
            </option>
          ))}
        </Select>
      </div>
      <Card>
        {audit.isPending && <Spinner />}
        {audit.isError && (
          <div className="p-4">
            <QueryError error={audit.error} onRetry={() => audit.refetch()} />
          </div>
        )}
        {audit.isSuccess && entries.length === 0 && (
          <EmptyState icon={<ScrollText className="h-6 w-6" aria-hidden />} title={t("audit.empty")}>
            {action ? t("audit.empty_filtered") : t("audit.empty_help")}
          </EmptyState>
        )}
        {entries.length > 0 && (
          <ul className="divide-y divide-border" data-testid="audit-list">
            {entries.map((e) => (
              <li key={e.id} className="flex flex-col gap-1 px-4 py-3 sm:flex-row sm:items-baseline sm:justify-between sm:gap-4">
                <span className="text-sm">{auditSentence(t, e)}</span>
                <span className="shrink-0 text-xs text-muted-foreground">
                  {dates.dateTime(e.created_at)}
                  {e.ip ? ` · ${e.ip}` : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>
      {audit.hasNextPage && (
        <div className="mt-4 flex justify-center">
          <Button variant="outline" onClick={() => audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
            {audit.isFetchingNextPage ? t("common.loading") : t("audit.load_more")}
          </Button>
        </div>
      )}
    </div>
  );
}
