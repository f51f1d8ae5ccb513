import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button";
import { Field } from "../../components/ui/field";
import { Alert } from "../../components/ui/alert";
import { useFormErrors } from "../../lib/useFormErrors";
import { AuthLayout } from "./AuthLayout";
import { authApi, authKeys, configQuery } from "./api";

/** Only same-site paths are followed after sign-in. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//")) return "/";
  return next;
}

export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const qc = useQueryClient();
  const config = useQuery(configQuery);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation({
    mutationFn: authApi.login,
    meta: { public: true, inline: true },
    onSuccess: async () => {
      qc.removeQueries({ queryKey: authKeys.me });
      navigate(safeNext(params.get("next")), { replace: true });
    },
  });
  const errors = useFormErrors(login.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    login.mutate({ email, password });
  }

  return (
    <AuthLayout title={t("auth.login.title")} description={t("auth.login.description")}>
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        {params.get("reset") === "1" && <Alert>{t("auth.reset.done")}</Alert>}
        <Field
          label={t("auth.email")}
          type="email"
          name="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.fields.email}
        />
        <Field
          label={t("auth.password")}
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.fields.password}
        />
        {errors.form && <Alert tone="danger">{errors.form}</Alert>}
        <Button type="submit" disabled={login.isPending}>
          {login.isPending ? t("common.wait") : t("auth.login.submit")}
        </Button>
        <div className="flex flex-col gap-2 text-sm sm:flex-row sm:justify-between">
          <Link to="/forgot-password" className="text-primary underline-offset-4 hover:underline">
            {t("auth.login.forgot")}
          </Link>
          {config.data?.signup_enabled !== false && (
            <Link to="/signup" className="text-primary underline-offset-4 hover:underline">
              {t("auth.login.signup")}
            </Link>
          )}
        </div>
      </form>
    </AuthLayout>
  );
}
