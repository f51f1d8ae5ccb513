import { createBrowserRouter, Link, Navigate, useRouteError } from "react-router";
import { useTranslation } from "react-i18next";
import { AuthGuard, useMe } from "./AuthGuard";
import { Shell } from "./Shell";
import { setUnauthorizedHandler } from "./queryClient";
import { LoginPage } from "../features/auth/LoginPage";
import { SignupPage } from "../features/auth/SignupPage";
import { ForgotPasswordPage, ResetPasswordPage } from "../features/auth/PasswordPages";
import { VerifyEmailPage } from "../features/auth/VerifyEmailPage";
import { InvitePage } from "../features/auth/InvitePage";
import { isAdmin } from "../features/auth/api";
import { UpcomingPage } from "../features/sections/UpcomingPage";
import { SettingsLayout } from "../features/settings/SettingsLayout";
import { ProfilePage } from "../features/settings/ProfilePage";
import { CompanyPage } from "../features/settings/CompanyPage";
import { TeamPage } from "../features/settings/TeamPage";
import { ApiKeysPage } from "../features/settings/ApiKeysPage";
import { AuditPage } from "../features/settings/AuditPage";
import type { ReactNode } from "react";

const PUBLIC_PATHS = ["/login", "/signup", "/forgot-password", "/reset-password", "/invite", "/verify-email"];

function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="mx-auto flex max-w-md flex-col gap-3 p-6">
      <h1 className="text-xl font-semibold">{t("app.not_found")}</h1>
      <p className="text-sm text-muted-foreground">{t("app.not_found_help")}</p>
      <Link to="/" className="text-sm text-primary hover:underline">
        {t("app.go_home")}
      </Link>
    </div>
  );
}

function Crash() {
  const { t } = useTranslation();
  const error = useRouteError();
  console.warn(error);
  return (
    <div className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-3 p-6">
      <h1 className="text-xl font-semibold">{t("app.crashed")}</h1>
      <p className="text-sm text-muted-foreground">{t("app.crashed_help")}</p>
      <button type="button" className="self-start text-sm text-primary hover:underline" onClick={() => window.location.reload()}>
        {t("app.reload")}
      </button>
    </div>
  );
}

/** Admin-only pages: agents are sent to their profile. */
function AdminOnly({ children }: { children: ReactNode }) {
  const me = useMe();
  if (!isAdmin(me.role)) return <Navigate to="/settings/profile" replace />;
  return <>{children}</>;
}

const upcoming = ["inbox", "contacts", "campaigns", "templates", "automations", "ai", "connections"];

export const router = createBrowserRouter([
  {
    errorElement: <Crash />,
    children: [
      { path: "/login", element: <LoginPage /> },
      { path: "/signup", element: <SignupPage /> },
      { path: "/forgot-password", element: <ForgotPasswordPage /> },
      { path: "/reset-password", element: <ResetPasswordPage /> },
      { path: "/verify-email", element: <VerifyEmailPage /> },
      { path: "/invite", element: <InvitePage /> },
      {
        element: <AuthGuard />,
        children: [
          {
            element: <Shell />,
            children: [
              { index: true, element: <UpcomingPage section="dashboard" /> },
              ...upcoming.map((s) => ({ path: `/${s}`, element: <UpcomingPage section={s} /> })),
              {
                path: "/settings",
                element: <SettingsLayout />,
                children: [
                  { index: true, element: <Navigate to="/settings/profile" replace /> },
                  { path: "profile", element: <ProfilePage /> },
                  { path: "company", element: <CompanyPage /> },
                  { path: "team", element: <TeamPage /> },
                  { path: "api-keys", element: <AdminOnly><ApiKeysPage /></AdminOnly> },
                  { path: "audit", element: <AdminOnly><AuditPage /></AdminOnly> },
                ],
              },
              { path: "*", element: <NotFound /> },
            ],
          },
        ],
      },
    ],
  },
]);

setUnauthorizedHandler(() => {
  const { pathname, search } = window.location;
  if (PUBLIC_PATHS.includes(pathname)) return;
  const next = pathname + search;
  void router.navigate(next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`, { replace: true });
});
