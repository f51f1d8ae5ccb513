import { NavLink, Outlet, useLocation } from "react-router";
import { useTranslation } from "react-i18next";
import { useMe } from "../../app/AuthGuard";
import { isAdmin } from "../auth/api";
import { cn } from "../../lib/cn";
import { useTitle } from "../../lib/useTitle";

export function SettingsLayout() {
  const { t } = useTranslation();
  const me = useMe();
  const admin = isAdmin(me.role);
  const links = [
    { to: "/settings/profile", key: "profile", show: true },
    { to: "/settings/company", key: "company", show: true },
    { to: "/settings/team", key: "team", show: true },
    { to: "/settings/teams", key: "teams", show: true },
    { to: "/settings/labels", key: "labels", show: true },
    { to: "/settings/canned", key: "canned", show: true },
    { to: "/settings/tags", key: "tags", show: true },
    { to: "/settings/fields", key: "fields", show: admin },
    { to: "/settings/api-keys", key: "api_keys", show: admin },
    { to: "/settings/audit", key: "audit", show: admin },
  ].filter((l) => l.show);
  const { pathname } = useLocation();
  const current = links.find((l) => pathname === l.to || pathname.startsWith(`${l.to}/`));
  useTitle(current ? `${t(`settings.nav.${current.key}`)} · ${t("nav.settings")}` : t("nav.settings"));
  return (
    <div>
      <h1 className="mb-4 text-2xl font-semibold tracking-tight">{t("nav.settings")}</h1>
      <nav aria-label={t("nav.settings")} className="mb-6 -mx-4 overflow-x-auto border-b border-border px-4 md:mx-0 md:px-0">
        <ul className="flex gap-1">
          {links.map((l) => (
            <li key={l.key}>
              <NavLink
                to={l.to}
                className={({ isActive }) =>
                  cn(
                    "-mb-px block border-b-2 px-3 py-2 text-sm whitespace-nowrap",
                    isActive
                      ? "border-primary font-medium text-foreground"
                      : "border-transparent text-muted-foreground hover:text-foreground",
                  )
                }
              >
                {t(`settings.nav.${l.key}`)}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}
