import { useEffect, useId, useMemo, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useTranslation } from "react-i18next";
import { BookUser, Download, Plus, Search, Upload } from "lucide-react";
import {
  contactCountQuery,
  contactLinks,
  contactsQuery,
  segmentQuery,
  segmentsQuery,
  tagsQuery,
  type BulkTarget,
  type Contact,
} from "./api";
import {
  CONSENTS,
  EMPTY_LIST_FILTER,
  isFiltered,
  listFilterFromParams,
  listFilterToParams,
  toBulkFilter,
  type ListFilter,
} from "./filters";
import { ConsentBadge, TagChip, contactName, useIsPhone } from "./parts";
import { BulkBar } from "./BulkActions";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";
import { ContactFormDialog } from "./ContactForm";
import { ContactPanel } from "./ContactPanel";
import { Card } from "../../components/ui/card";
import { Button } from "../../components/ui/button";
import { Checkbox, Input, Label, Select } from "../../components/ui/input";
import { EmptyState, Spinner } from "../../components/ui/misc";
import { QueryError } from "../../components/query-error";
import { useDates } from "../settings/useDates";
import { cn } from "../../lib/cn";
import { formatPhone } from "../../lib/format";

const ROW_DESKTOP = 56;
const ROW_PHONE = 92;

function Filters({ filter, onChange }: { filter: ListFilter; onChange: (f: ListFilter) => void }) {
  const { t } = useTranslation();
  const ids = { q: useId(), tag: useId(), consent: useId(), segment: useId() };
  const tags = useQuery(tagsQuery);
  const segments = useQuery(segmentsQuery);
  const [text, setText] = useState(filter.q);
  const latest = useRef(filter);
  latest.current = filter;
  useEffect(() => setText(filter.q), [filter.q]);
  useEffect(() => {
    if (text.trim() === latest.current.q) return;
    const h = window.setTimeout(() => onChange({ ...latest.current, q: text.trim() }), 300);
    return () => window.clearTimeout(h);
  }, [text, onChange]);
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-[1.3fr_1fr_1fr_1fr]">
      <div className="col-span-2 flex flex-col gap-1.5 lg:col-span-1">
        <Label htmlFor={ids.q}>{t("contacts.list.search")}</Label>
        <div className="relative">
          <Search className="pointer-events-none absolute top-3 left-3 h-4 w-4 text-muted-foreground" aria-hidden />
          <Input
            id={ids.q}
            type="search"
            className="pl-9"
            placeholder={t("contacts.list.search_prompt")}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => e.key === "Enter" && onChange({ ...filter, q: text.trim() })}
          />
        </div>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={ids.tag}>{t("contacts.fields.tag")}</Label>
        <Select id={ids.tag} value={filter.tag} onChange={(e) => onChange({ ...filter, tag: e.target.value })}>
          <option value="">{t("contacts.list.any_tag")}</option>
          {filter.tag && !tags.data?.data.some((x) => x.id === filter.tag) && <option value={filter.tag}>…</option>}
          {tags.data?.data.map((x) => (
            <option key={x.id} value={x.id}>
              {x.name}
            </option>
          ))}
        </Select>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={ids.consent}>{t("contacts.fields.consent")}</Label>
        <Select id={ids.consent} value={filter.consent} onChange={(e) => onChange({ ...filter, consent: e.target.value as ListFilter["consent"] })}>
          <option value="">{t("contacts.list.any_consent")}</option>
          {CONSENTS.map((c) => (
            <option key={c} value={c}>
              {t(`contacts.consent.${c}`)}
            </option>
          ))}
        </Select>
      </div>
      <div className="col-span-2 flex flex-col gap-1.5 sm:col-span-1">
        <Label htmlFor={ids.segment}>{t("contacts.fields.segment")}</Label>
        <Select id={ids.segment} value={filter.segment} onChange={(e) => onChange({ ...filter, segment: e.target.value })}>
          <option value="">{t("contacts.list.all_contacts")}</option>
          {filter.segment && !segments.data?.data.some((x) => x.id === filter.segment) && <option value={filter.segment}>…</option>}
          {segments.data?.data.map((x) => (
            <option key={x.id} value={x.id}>
              {x.name}
            </option>
          ))}
        </Select>
      </div>
    </div>
  );
}

function Row({
  contact,
  selected,
  onSelect,
  onOpen,
}: {
  contact: Contact;
  selected: boolean;
  onSelect: (on: boolean) => void;
  onOpen: () => void;
}) {
  const { t } = useTranslation();
  const dates = useDates();
  const name = contactName(contact);
  return (
    <div
      data-testid="contact-row"
      className={cn(
        "flex cursor-pointer items-start gap-3 border-b border-border px-3 py-3 hover:bg-muted/60 sm:min-h-14",
        "sm:grid sm:grid-cols-[2rem_2fr_1.4fr_2fr_1.2fr_1fr] sm:items-center sm:py-0",
        selected && "bg-accent/60",
      )}
      onClick={onOpen}
    >
      <div className="pt-0.5 sm:pt-0" onClick={(e) => e.stopPropagation()}>
        <Checkbox checked={selected} onChange={(e) => onSelect(e.target.checked)} aria-label={t("contacts.list.select", { name })} />
      </div>
      <div className="flex min-w-0 flex-1 flex-col gap-1 sm:contents">
        <div className="min-w-0">
          <button
            type="button"
            className="block max-w-full truncate text-left font-medium hover:underline focus-visible:outline-2 focus-visible:outline-ring"
            onClick={(e) => {
              e.stopPropagation();
              onOpen();
            }}
          >
            {name}
          </button>
          {contact.email && <div className="hidden truncate text-xs text-muted-foreground sm:block">{contact.email}</div>}
        </div>
        <div className="truncate text-sm text-muted-foreground tabular-nums sm:text-foreground">{contact.name ? formatPhone(contact.phone) : ""}</div>
        <div className="flex min-w-0 flex-wrap gap-1 overflow-hidden sm:max-h-6">
          {contact.tags.slice(0, 3).map((tag) => (
            <TagChip key={tag.id} tag={tag} />
          ))}
          {contact.tags.length > 3 && <span className="text-xs text-muted-foreground">+{contact.tags.length - 3}</span>}
        </div>
        <div className="flex items-center gap-2 sm:block">
          <ConsentBadge state={contact.consent?.state ?? "unknown"} />
          <span className="text-xs text-muted-foreground sm:hidden">{dates.date(contact.created_at)}</span>
        </div>
        <div className="hidden text-sm text-muted-foreground sm:block">{dates.date(contact.created_at)}</div>
      </div>
    </div>
  );
}

function ContactsEmpty({ onAdd }: { onAdd: () => void }) {
  const { t } = useTranslation();
  const admin = isAdmin(useMe().role);
  return (
    <EmptyState icon={<BookUser className="h-8 w-8" aria-hidden />} title={t("contacts.empty.title")}>
      <p>{t("contacts.empty.help")}</p>
      <div className="mt-4 flex flex-col justify-center gap-2 sm:flex-row">
        <Button onClick={onAdd}>
          <Plus className="h-4 w-4" aria-hidden />
          {t("contacts.add")}
        </Button>
        {admin && (
          <Button variant="outline" asChild>
            <Link to="/contacts/import">
              <Upload className="h-4 w-4" aria-hidden />
              {t("contacts.import_action")}
            </Link>
          </Button>
        )}
      </div>
    </EmptyState>
  );
}

export function ContactsPage() {
  const { t, i18n } = useTranslation();
  const admin = isAdmin(useMe().role);
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => listFilterFromParams(params), [params]);
  const openId = params.get("contact") ?? "";
  const phone = useIsPhone();
  const [adding, setAdding] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [allMatching, setAllMatching] = useState(false);

  const list = useInfiniteQuery(contactsQuery(filter));
  const count = useQuery(contactCountQuery(filter));
  const segment = useQuery({ ...segmentQuery(filter.segment), enabled: Boolean(filter.segment) });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.data) ?? [], [list.data]);
  const total = count.data?.count;
  const nf = new Intl.NumberFormat(i18n.language);

  const filterKey = JSON.stringify(filter);
  useEffect(() => {
    setSelected(new Set());
    setAllMatching(false);
  }, [filterKey]);

  const setFilter = (f: ListFilter) => setParams(listFilterToParams(f, params), { replace: true });
  const openContact = (id: string) => {
    const next = new URLSearchParams(params);
    if (id) next.set("contact", id);
    else next.delete("contact");
    setParams(next, { replace: !id });
  };

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => (phone ? ROW_PHONE : ROW_DESKTOP),
    overscan: 12,
    getItemKey: (i) => rows[i]?.id ?? i,
  });
  useEffect(() => virtualizer.measure(), [phone, virtualizer]);
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : -1;
  useEffect(() => {
    if (lastIndex >= rows.length - 20 && list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
  }, [lastIndex, rows.length, list]);

  const bulkFilter = toBulkFilter(filter, segment.data?.filter);
  const target: BulkTarget = allMatching && bulkFilter ? { filter: bulkFilter } : { contact_ids: [...selected] };
  const selectedCount = allMatching && total !== undefined ? total : selected.size;
  const allLoadedSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));

  function toggle(id: string, on: boolean) {
    setAllMatching(false);
    setSelected((s) => {
      const n = new Set(s);
      if (on) n.add(id);
      else n.delete(id);
      return n;
    });
  }
  function toggleAll(on: boolean) {
    setAllMatching(false);
    setSelected(on ? new Set(rows.map((r) => r.id)) : new Set());
  }
  function clearSelection() {
    setSelected(new Set());
    setAllMatching(false);
  }

  const filtered = isFiltered(filter);
  const nothingAtAll = list.isSuccess && rows.length === 0 && !filtered;

  return (
    <div className="flex flex-col gap-4">
      <div className={cn("flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between", nothingAtAll && "hidden")}>
        <p className="text-sm text-muted-foreground" data-testid="contacts-count" aria-live="polite">
          {total !== undefined
            ? filtered
              ? t("contacts.list.count_filtered", { count: total, n: nf.format(total) })
              : t("contacts.list.count", { count: total, n: nf.format(total) })
            : " "}
        </p>
        <div className="flex flex-wrap gap-2">
          {admin && (
            <>
              <Button variant="outline" asChild>
                <a href={contactLinks.exportCsv(filter)} download data-testid="export-csv">
                  <Download className="h-4 w-4" aria-hidden />
                  {t("contacts.list.export")}
                </a>
              </Button>
              <Button variant="outline" asChild>
                <Link to="/contacts/import">
                  <Upload className="h-4 w-4" aria-hidden />
                  {t("contacts.import_action")}
                </Link>
              </Button>
            </>
          )}
          <Button onClick={() => setAdding(true)}>
            <Plus className="h-4 w-4" aria-hidden />
            {t("contacts.add")}
          </Button>
        </div>
      </div>
      {!nothingAtAll && <Filters filter={filter} onChange={setFilter} />}
      {(selected.size > 0 || allMatching) && (
        <BulkBar target={target} count={selectedCount} onClear={clearSelection}>
          {!allMatching && allLoadedSelected && bulkFilter && total !== undefined && total > selected.size && (
            <button type="button" className="font-medium underline" onClick={() => setAllMatching(true)}>
              {t("contacts.bulk.select_all_matching", { count: total, n: nf.format(total) })}
            </button>
          )}
          {allMatching && <span>{t("contacts.bulk.all_matching")}</span>}
        </BulkBar>
      )}
      <Card className="overflow-hidden">
        {list.isPending && <Spinner />}
        {list.isError && (
          <div className="p-4">
            <QueryError error={list.error} onRetry={() => list.refetch()} />
          </div>
        )}
        {nothingAtAll && <ContactsEmpty onAdd={() => setAdding(true)} />}
        {list.isSuccess && rows.length === 0 && filtered && (
          <EmptyState icon={<Search className="h-6 w-6" aria-hidden />} title={t("contacts.list.none_found")}>
            <p>{t("contacts.list.none_found_help")}</p>
            <Button className="mt-3" variant="outline" onClick={() => setFilter(EMPTY_LIST_FILTER)}>
              {t("contacts.list.clear_filters")}
            </Button>
          </EmptyState>
        )}
        {rows.length > 0 && (
          <div role="region" aria-label={t("nav.contacts")}>
            <div className="flex items-center gap-3 border-b border-border px-3 py-2 text-sm font-medium text-muted-foreground sm:grid sm:grid-cols-[2rem_2fr_1.4fr_2fr_1.2fr_1fr]">
              <Checkbox checked={allLoadedSelected} onChange={(e) => toggleAll(e.target.checked)} aria-label={t("contacts.list.select_loaded")} />
              <span className="sm:hidden">{t("contacts.list.select_loaded")}</span>
              <span className="hidden sm:block">{t("contacts.fields.name")}</span>
              <span className="hidden sm:block">{t("contacts.fields.phone")}</span>
              <span className="hidden sm:block">{t("contacts.fields.tags")}</span>
              <span className="hidden sm:block">{t("contacts.fields.consent")}</span>
              <span className="hidden sm:block">{t("contacts.fields.created_at")}</span>
            </div>
            <div ref={scrollRef} className="overflow-y-auto" style={{ height: "max(22rem, calc(100dvh - 24rem))" }} data-testid="contacts-scroll">
              <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
                {items.map((item) => {
                  const c = rows[item.index];
                  return (
                    <div
                      key={item.key}
                      data-index={item.index}
                      ref={virtualizer.measureElement}
                      style={{ position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}
                    >
                      <Row contact={c} selected={allMatching || selected.has(c.id)} onSelect={(on) => toggle(c.id, on)} onOpen={() => openContact(c.id)} />
                    </div>
                  );
                })}
              </div>
              {list.isFetchingNextPage && <Spinner />}
            </div>
          </div>
        )}
      </Card>
      <ContactFormDialog open={adding} onOpenChange={setAdding} onSaved={(c) => openContact(c.id)} />
      {openId && <ContactPanel id={openId} onClose={() => openContact("")} />}
    </div>
  );
}
