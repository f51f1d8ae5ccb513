import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { useTranslation } from "react-i18next";
import { Badge } from "../../components/ui/badge";
import { cn } from "../../lib/cn";
import { formatPhone } from "../../lib/format";
import { useTitle } from "../../lib/useTitle";
import type { Consent } from "./filters";
import type { Tag } from "./api";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";

export function TagChip({ tag }: { tag: Pick<Tag, "name" | "color"> }) {
  return (
    <span className="inline-flex max-w-40 items-center gap-1.5 rounded-full border border-border px-2 py-0.5 text-xs">
      <span className="h-2 w-2 shrink-0 rounded-full" style={{ background: tag.color || "var(--muted-foreground)" }} aria-hidden />
      <span className="truncate">{tag.name}</span>
    </span>
  );
}

export function ConsentBadge({ state }: { state: Consent }) {
  const { t } = useTranslation();
  const tone = state === "opted_in" ? "brand" : state === "opted_out" ? "danger" : "neutral";
  return <Badge tone={tone}>{t(`contacts.consent.${state}`)}</Badge>;
}

/** The Contacts section: its own tabs (contacts, import, segments) above each page. */
export function ContactsLayout() {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  const admin = isAdmin(useMe().role);
  const links = [
    { to: "/contacts", key: "list", end: true, show: true },
    { to: "/contacts/import", key: "import", end: false, show: admin },
    { to: "/contacts/segments", key: "segments", end: false, show: true },
  ].filter((l) => l.show);
  const current = [...links].reverse().find((l) => (l.end ? pathname === l.to : pathname.startsWith(l.to)));
  useTitle(current && current.key !== "list" ? `${t(`contacts.nav.${current.key}`)} · ${t("nav.contacts")}` : t("nav.contacts"));
  return (
    <div>
      <h1 className="mb-4 text-2xl font-semibold tracking-tight">{t("nav.contacts")}</h1>
      <nav aria-label={t("nav.contacts")} className="-mx-4 mb-6 overflow-x-auto border-b border-border px-4 md:mx-0 md:px-0">
        <ul className="flex gap-1">
          {links.map((l) => (
            <li key={l.key}>
              <NavLink
                to={l.to}
                end={l.end}
                className={({ isActive }) =>
                  cn(
                    "-mb-px block border-b-2 px-3 py-2 text-sm whitespace-nowrap",
                    isActive
                      ? "border-primary font-medium text-foreground"
                      : "border-transparent text-muted-foreground hover:text-foreground",
                  )
                }
              >
                {t(`contacts.nav.${l.key}`)}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}

/** The display name of a contact: the name, else the phone. */
export function contactName(c: { name: string; phone: string }): string {
  return c.name || formatPhone(c.phone);
}

export const LANGUAGE_CHOICES = ["pt-BR", "en", "es"] as const;

/** True on screens narrower than Tailwind's `sm` (phones), following resizes. */
export function useIsPhone(): boolean {
  const query = "(max-width: 639px)";
  const [phone, setPhone] = useState(() => typeof window !== "undefined" && window.matchMedia(query).matches);
  useEffect(() => {
    const m = window.matchMedia(query);
    const on = () => setPhone(m.matches);
    m.addEventListener("change", on);
    return () => m.removeEventListener("change", on);
  }, []);
  return phone;
}
