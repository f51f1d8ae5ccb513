import { useQuery } from "@tanstack/react-query";
import { Navigate, Outlet, useLocation } from "react-router";
import { useTranslation } from "react-i18next";
import { meQuery, type Me } from "../features/auth/api";
import { isApiError } from "../lib/api";
import { Spinner } from "../components/ui/misc";
import { QueryError } from "../components/query-error";

/** Renders the protected routes once the session is known; otherwise sends to /login. */
export function AuthGuard() {
  const { t } = useTranslation();
  const location = useLocation();
  const me = useQuery(meQuery);
  if (me.isPending) return <Spinner className="min-h-screen" />;
  if (me.isError) {
    if (isApiError(me.error) && me.error.status === 401) {
      const next = location.pathname + location.search;
      return <Navigate to={next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`} replace />;
    }
    return (
      <div className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-4 p-6">
        <h1 className="text-xl font-semibold">{t("app.load_failed")}</h1>
        <QueryError error={me.error} onRetry={() => me.refetch()} />
      </div>
    );
  }
  return <Outlet />;
}

/** The signed-in user; only for components under AuthGuard. */
export function useMe(): Me {
  const me = useQuery(meQuery);
  if (!me.data) throw new Error("useMe outside AuthGuard");
  return me.data;
}
