import { useEffect, useState, type FormEvent } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Bell, Building2, Check, ChevronsUpDown, LogOut, Menu, Plus, UserRound } from "lucide-react";
import { useMe } from "./AuthGuard";
import { SECTIONS } from "./sections";
import { authApi, authKeys, configQuery, type Availability, type Me } from "../features/auth/api";
import { conversationsApi } from "../features/conversations/api";
import { AvailabilityDot } from "../features/conversations/parts";
import { useLiveEvents } from "./live";
import { askNotificationPermission, notificationsSupported, useInboxNotifications } from "./notifications";
import { settingsApi } from "../features/settings/api";
import { Logo } from "../features/auth/AuthLayout";
import { LanguageSwitch, ThemeSwitch } from "../components/preferences";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "../components/ui/dropdown-menu";
import { Dialog, DialogContent, DialogFooter, Drawer } from "../components/ui/dialog";
import { Button } from "../components/ui/button";
import { Field } from "../components/ui/field";
import { Alert } from "../components/ui/alert";
import { useToast } from "../components/ui/toast";
import { setLanguage, storedLanguage } from "../i18n";
import { useFormErrors } from "../lib/useFormErrors";
import { cn } from "../lib/cn";

function CreateCompanyDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: async (n: string) => {
      const res = await authApi.createCompany(n);
      await authApi.switchCompany(res.company.id);
      return res;
    },
    meta: { inline: true },
    // A full page load starts the new company with nothing cached from the old one.
    onSuccess: () => window.location.assign("/"),
  });
  const errors = useFormErrors(create.error);
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate(name);
  }
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title={t("shell.new_company")} description={t("shell.new_company_help")}>
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <Field
            label={t("shell.company_name")}
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errors.fields.name}
            required
          />
          {errors.form && <Alert tone="danger">{errors.form}</Alert>}
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" disabled={create.isPending}>
              {t("shell.create_company")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function CompanySwitcher() {
  const { t } = useTranslation();
  const me = useMe();
  const [creating, setCreating] = useState(false);
  const switcher = useMutation({
    mutationFn: authApi.switchCompany,
    onSuccess: () => window.location.assign("/"),
  });
  return (
    <>
      <DropdownMenu>
        <DropdownMenuTrigger asChild>
          <button
            type="button"
            data-testid="company-switcher"
            className="flex w-full items-center gap-2 rounded-md border border-border px-3 py-2 text-left text-sm hover:bg-muted"
            aria-label={`${t("shell.switch_company")}: ${me.company.name}`}
          >
            <Building2 className="h-4 w-4 shrink-0 text-muted-foreground" aria-hidden />
            <span className="flex-1 truncate font-medium">{me.company.name}</span>
            <ChevronsUpDown className="h-4 w-4 shrink-0 text-muted-foreground" aria-hidden />
          </button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="start">
          <DropdownMenuLabel>{t("shell.companies")}</DropdownMenuLabel>
          {me.companies.map((c) => (
            <DropdownMenuItem
              key={c.id}
              onSelect={() => {
                if (c.id !== me.company.id) switcher.mutate(c.id);
              }}
            >
              <span className="flex-1 truncate">{c.name}</span>
              <span className="text-xs text-muted-foreground">{t(`roles.${c.role}`)}</span>
              {c.id === me.company.id && <Check className="h-4 w-4" aria-label={t("shell.current")} />}
            </DropdownMenuItem>
          ))}
          <DropdownMenuSeparator />
          <DropdownMenuItem onSelect={() => setCreating(true)}>
            <Plus className="h-4 w-4" aria-hidden />
            {t("shell.new_company")}
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
      <CreateCompanyDialog open={creating} onOpenChange={setCreating} />
    </>
  );
}

function UserMenu() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const logout = useMutation({
    mutationFn: authApi.logout,
    // A full page load leaves nothing of the session in memory.
    onSuccess: () => window.location.replace("/login"),
  });
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <button
          type="button"
          data-testid="user-menu"
          className="flex min-w-0 flex-1 items-center gap-2 rounded-md px-2 py-1.5 text-left text-sm hover:bg-muted"
          aria-label={`${t("shell.account")}: ${me.user.name}`}
        >
          <span className="flex h-8 w-8 shrink-0 items-center justify-center rounded-full bg-muted">
            <UserRound className="h-4 w-4" aria-hidden />
          </span>
          <span className="min-w-0">
            <span className="block truncate font-medium">{me.user.name}</span>
            <span className="block truncate text-xs text-muted-foreground">{me.user.email}</span>
          </span>
        </button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" side="top">
        <DropdownMenuItem onSelect={() => navigate("/settings/profile")}>
          <UserRound className="h-4 w-4" aria-hidden />
          {t("settings.nav.profile")}
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => logout.mutate()} data-testid="logout">
          <LogOut className="h-4 w-4" aria-hidden />
          {t("shell.logout")}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

const AVAILABILITY: Availability[] = ["online", "away", "offline"];

/** Online / away / offline for the shared inbox: only online agents get conversations handed to them. */
function AvailabilitySwitch() {
  const { t } = useTranslation();
  const me = useMe();
  const qc = useQueryClient();
  const [permission, setPermission] = useState(() => (notificationsSupported() ? Notification.permission : "unsupported"));
  const current = me.availability ?? "offline";
  const set = useMutation({
    mutationFn: conversationsApi.setAvailability,
    onSuccess: (_v, a) => {
      qc.setQueryData<Me>(authKeys.me, (old) => (old ? { ...old, availability: a } : old));
      void qc.invalidateQueries({ queryKey: ["members"] });
      void qc.invalidateQueries({ queryKey: ["teams"] });
    },
  });
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <button
          type="button"
          data-testid="availability"
          data-value={current}
          className="flex w-full items-center gap-2 rounded-md border border-border px-3 py-1.5 text-left text-sm hover:bg-muted"
          aria-label={`${t("availability.title")}: ${t(`availability.${current}`)}`}
        >
          <AvailabilityDot value={current} />
          <span className="flex-1 truncate">{t(`availability.${current}`)}</span>
          <ChevronsUpDown className="h-4 w-4 shrink-0 text-muted-foreground" aria-hidden />
        </button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" side="top">
        <DropdownMenuLabel>{t("availability.title")}</DropdownMenuLabel>
        {AVAILABILITY.map((a) => (
          <DropdownMenuItem
            key={a}
            onSelect={() => {
              set.mutate(a);
              // A click is when the browser lets us ask; going online is when notifications matter.
              if (a === "online" && permission === "default") void askNotificationPermission().then(setPermission);
            }}
          >
            <AvailabilityDot value={a} />
            <span className="flex-1">
              <span className="block">{t(`availability.${a}`)}</span>
              <span className="block text-xs text-muted-foreground">{t(`availability.${a}_help`)}</span>
            </span>
            {a === current && <Check className="h-4 w-4" aria-label={t("shell.current")} />}
          </DropdownMenuItem>
        ))}
        {permission === "default" && (
          <>
            <DropdownMenuSeparator />
            <DropdownMenuItem onSelect={() => void askNotificationPermission().then(setPermission)}>
              <Bell className="h-4 w-4" aria-hidden />
              {t("availability.enable_notifications")}
            </DropdownMenuItem>
          </>
        )}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

function Sidebar({ onNavigate }: { onNavigate?: () => void }) {
  const { t } = useTranslation();
  const updateLocale = useMutation({ mutationFn: (locale: string) => settingsApi.updateMe({ locale }) });
  return (
    <div className="flex h-full flex-col gap-4 p-3">
      <div className="px-1 pt-1">
        <Logo />
      </div>
      <CompanySwitcher />
      <nav aria-label={t("shell.sections")} className="flex-1 overflow-y-auto">
        <ul className="flex flex-col gap-0.5">
          {SECTIONS.map((s) => (
            <li key={s.key}>
              <NavLink
                to={s.path}
                end={s.path === "/"}
                onClick={onNavigate}
                className={({ isActive }) =>
                  cn(
                    "flex items-center gap-3 rounded-md px-3 py-2 text-sm",
                    isActive ? "bg-accent font-medium text-accent-foreground" : "text-foreground hover:bg-muted",
                  )
                }
              >
                <s.icon className="h-4 w-4" aria-hidden />
                {t(`nav.${s.key}`)}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <div className="flex flex-col gap-2 border-t border-border pt-3">
        <AvailabilitySwitch />
        <div className="flex items-center gap-2">
          <LanguageSwitch className="flex-1" onChange={(l) => updateLocale.mutate(l)} />
          <ThemeSwitch />
        </div>
        <UserMenu />
      </div>
    </div>
  );
}

function VerifyBanner() {
  const { t } = useTranslation();
  const me = useMe();
  const config = useQuery(configQuery);
  const toast = useToast();
  const resend = useMutation({
    mutationFn: authApi.resendVerification,
    onSuccess: () => toast(t("shell.verify_sent", { email: me.user.email })),
  });
  if (me.role !== "owner" || me.user.email_verified || !config.data?.smtp_enabled) return null;
  return (
    <div className="border-b border-border bg-warning-soft px-4 py-3 text-sm text-warning-foreground md:px-8">
      <div className="mx-auto flex max-w-5xl flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
        <p>{t("shell.verify_banner", { email: me.user.email })}</p>
        <Button size="sm" variant="outline" onClick={() => resend.mutate()} disabled={resend.isPending}>
          {t("shell.verify_resend")}
        </Button>
      </div>
    </div>
  );
}

export function Shell() {
  const { t } = useTranslation();
  const me = useMe();
  const [open, setOpen] = useState(false);
  const location = useLocation();
  useLiveEvents(me.company.id);
  useInboxNotifications(me.user.id);
  // The inbox uses the whole window, like WhatsApp Web.
  const wide = location.pathname === "/inbox" || location.pathname.startsWith("/inbox/");

  // Take the language saved on the account when this browser has no choice of its own.
  useEffect(() => {
    const saved = me.user.locale;
    if ((saved === "en" || saved === "pt-BR") && !storedLanguage()) setLanguage(saved);
  }, [me.user.locale]);

  useEffect(() => setOpen(false), [location.pathname]);

  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-[70] focus:rounded-md focus:bg-card focus:px-3 focus:py-2 focus:shadow-lg"
      >
        {t("shell.skip_to_content")}
      </a>
      <aside className="fixed inset-y-0 left-0 hidden w-64 border-r border-border bg-card md:block">
        <Sidebar />
      </aside>
      <header className="sticky top-0 z-30 flex h-14 items-center gap-3 border-b border-border bg-card px-3 md:hidden">
        <Button variant="ghost" size="icon" onClick={() => setOpen(true)} aria-label={t("shell.open_menu")} data-testid="menu-button">
          <Menu className="h-5 w-5" aria-hidden />
        </Button>
        <span className="truncate font-semibold">{me.company.name}</span>
      </header>
      <Drawer open={open} onOpenChange={setOpen} title={t("shell.menu")}>
        <div data-testid="mobile-sidebar" className="h-full">
          <Sidebar onNavigate={() => setOpen(false)} />
        </div>
      </Drawer>
      <div className="md:pl-64">
        <VerifyBanner />
        <main
          id="main"
          tabIndex={-1}
          className={cn("focus:outline-none", wide ? "h-[calc(100dvh-3.5rem)] md:h-dvh" : "mx-auto max-w-5xl p-4 sm:p-6 md:p-8")}
        >
          <Outlet />
        </main>
      </div>
    </div>
  );
}
