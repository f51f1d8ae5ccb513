import { createBrowserRouter, Link, Navigate, useRouteError } from "react-router";
import { useTranslation } from "react-i18next";
import { AuthGuard, useMe } from "./AuthGuard";
import { Shell } from "./Shell";
import { setUnauthorizedHandler } from "./queryClient";
import { LoginPage } from "../features/auth/LoginPage";
import { SignupPage } from "../features/auth/SignupPage";
import { isAdmin } from "../features/auth/api";
import { UpcomingPage } from "../features/sections/UpcomingPage";
import { SettingsLayout } from "../features/settings/SettingsLayout";
import type { ReactNode } from "react";
import { Spinner } from "../components/ui/misc";

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

const upcoming = ["automations", "ai"];

export const router = createBrowserRouter([
  {
    errorElement: <Crash />,
    hydrateFallbackElement: <Spinner className="min-h-screen" />,
    children: [
      { path: "/login", element: <LoginPage /> },
      { path: "/signup", element: <SignupPage /> },
      // Pages most visits never need are loaded when first opened.
      { path: "/forgot-password", lazy: async () => ({ Component: (await import("../features/auth/PasswordPages")).ForgotPasswordPage }) },
      { path: "/reset-password", lazy: async () => ({ Component: (await import("../features/auth/PasswordPages")).ResetPasswordPage }) },
      { path: "/verify-email", lazy: async () => ({ Component: (await import("../features/auth/VerifyEmailPage")).VerifyEmailPage }) },
      { path: "/invite", lazy: async () => ({ Component: (await import("../features/auth/InvitePage")).InvitePage }) },
      {
        element: <AuthGuard />,
        children: [
          {
            element: <Shell />,
            children: [
              { index: true, lazy: async () => ({ Component: (await import("../features/dashboard/DashboardPage")).DashboardPage }) },
              ...upcoming.map((s) => ({ path: `/${s}`, element: <UpcomingPage section={s} /> })),
              { path: "/inbox", lazy: async () => ({ Component: (await import("../features/conversations/ConversationsPage")).ConversationsPage }) },
              { path: "/inbox/:id", lazy: async () => ({ Component: (await import("../features/conversations/ConversationsPage")).ConversationsPage }) },
              { path: "/campaigns", lazy: async () => ({ Component: (await import("../features/campaigns/CampaignsPage")).CampaignsPage }) },
              {
                path: "/campaigns/new",
                lazy: async () => ({ Component: (await import("../features/campaigns/CampaignWizardPage")).CampaignWizardPage }),
              },
              {
                path: "/campaigns/:id/edit",
                lazy: async () => ({ Component: (await import("../features/campaigns/CampaignWizardPage")).CampaignWizardPage }),
              },
              {
                path: "/campaigns/:id",
                lazy: async () => ({ Component: (await import("../features/campaigns/CampaignDetailPage")).CampaignDetailPage }),
              },
              { path: "/connections", lazy: async () => ({ Component: (await import("../features/connections/ConnectionsPage")).ConnectionsPage }) },
              {
                path: "/connections/webhook-events",
                lazy: async () => {
                  const { WebhookEventsPage } = await import("../features/connections/WebhookEventsPage");
                  return { Component: () => <AdminOnly><WebhookEventsPage /></AdminOnly> };
                },
              },
              {
                path: "/connections/:id",
                lazy: async () => ({ Component: (await import("../features/connections/ConnectionDetailPage")).ConnectionDetailPage }),
              },
              {
                path: "/connections/:id/simulator",
                lazy: async () => ({ Component: (await import("../features/connections/SimulatorPage")).SimulatorPage }),
              },
              { path: "/templates", lazy: async () => ({ Component: (await import("../features/templates/TemplatesPage")).TemplatesPage }) },
              {
                path: "/templates/new",
                lazy: async () => {
                  const { TemplateEditorPage } = await import("../features/templates/TemplateEditorPage");
                  return { Component: () => <AdminOnly><TemplateEditorPage /></AdminOnly> };
                },
              },
              {
                path: "/templates/:id/edit",
                lazy: async () => {
                  const { TemplateEditorPage } = await import("../features/templates/TemplateEditorPage");
                  return { Component: () => <AdminOnly><TemplateEditorPage /></AdminOnly> };
                },
              },
              {
                path: "/contacts",
                lazy: async () => ({ Component: (await import("../features/contacts/parts")).ContactsLayout }),
                children: [
                  { index: true, lazy: async () => ({ Component: (await import("../features/contacts/ContactsPage")).ContactsPage }) },
                  { path: "import", lazy: async () => ({ Component: (await import("../features/contacts/ImportPage")).ImportPage }) },
                  { path: "segments", lazy: async () => ({ Component: (await import("../features/contacts/SegmentsPage")).SegmentsPage }) },
                  {
                    path: "segments/:id",
                    lazy: async () => ({ Component: (await import("../features/contacts/SegmentsPage")).SegmentEditorPage }),
                  },
                ],
              },
              {
                path: "/settings",
                element: <SettingsLayout />,
                children: [
                  { index: true, element: <Navigate to="/settings/profile" replace /> },
                  { path: "profile", lazy: async () => ({ Component: (await import("../features/settings/ProfilePage")).ProfilePage }) },
                  { path: "company", lazy: async () => ({ Component: (await import("../features/settings/CompanyPage")).CompanyPage }) },
                  { path: "team", lazy: async () => ({ Component: (await import("../features/settings/TeamPage")).TeamPage }) },
                  {
                    path: "api-keys",
                    lazy: async () => {
                      const { ApiKeysPage } = await import("../features/settings/ApiKeysPage");
                      return { Component: () => <AdminOnly><ApiKeysPage /></AdminOnly> };
                    },
                  },
                  { path: "teams", lazy: async () => ({ Component: (await import("../features/settings/TeamsPage")).TeamsPage }) },
                  { path: "labels", lazy: async () => ({ Component: (await import("../features/settings/LabelsPage")).LabelsPage }) },
                  { path: "canned", lazy: async () => ({ Component: (await import("../features/settings/CannedPage")).CannedPage }) },
                  { path: "tags", lazy: async () => ({ Component: (await import("../features/settings/TagsPage")).TagsPage }) },
                  {
                    path: "fields",
                    lazy: async () => {
                      const { FieldsPage } = await import("../features/settings/FieldsPage");
                      return { Component: () => <AdminOnly><FieldsPage /></AdminOnly> };
                    },
                  },
                  {
                    path: "audit",
                    lazy: async () => {
                      const { AuditPage } = await import("../features/settings/AuditPage");
                      return { Component: () => <AdminOnly><AuditPage /></AdminOnly> };
                    },
                  },
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
