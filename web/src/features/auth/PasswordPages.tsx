import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button";
import { Field } from "../../components/ui/field";
import { Alert } from "../../components/ui/alert";
import { Spinner } from "../../components/ui/misc";
import { QueryError } from "../../components/query-error";
import { useFormErrors } from "../../lib/useFormErrors";
import { AuthLayout } from "./AuthLayout";
import { authApi, configQuery } from "./api";

function BackToLogin() {
  const { t } = useTranslation();
  return (
    <p className="mt-4 text-sm">
      <Link to="/login" className="text-primary hover:underline">
        {t("auth.back_to_login")}
      </Link>
    </p>
  );
}

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const config = useQuery(configQuery);
  const [email, setEmail] = useState("");
  const forgot = useMutation({ mutationFn: authApi.forgot, meta: { public: true, inline: true } });
  const errors = useFormErrors(forgot.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    forgot.mutate(email);
  }

  if (config.isPending) return <Spinner />;
  if (config.isError) {
    return (
      <AuthLayout title={t("auth.forgot.title")}>
        <QueryError error={config.error} onRetry={() => config.refetch()} />
      </AuthLayout>
    );
  }
  if (!config.data.smtp_enabled) {
    return (
      <AuthLayout title={t("auth.forgot.title")}>
        <Alert>{t("auth.forgot.no_email")}</Alert>
        <BackToLogin />
      </AuthLayout>
    );
  }
  if (forgot.isSuccess) {
    return (
      <AuthLayout title={t("auth.forgot.title")}>
        <Alert>{t("auth.forgot.sent", { email })}</Alert>
        <BackToLogin />
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title={t("auth.forgot.title")} description={t("auth.forgot.description")}>
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
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
        {errors.form && <Alert tone="danger">{errors.form}</Alert>}
        <Button type="submit" disabled={forgot.isPending}>
          {t("auth.forgot.submit")}
        </Button>
      </form>
      <BackToLogin />
    </AuthLayout>
  );
}

export function ResetPasswordPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const reset = useMutation({
    mutationFn: (p: string) => authApi.reset(token, p),
    meta: { public: true, inline: true },
    onSuccess: () => navigate("/login?reset=1", { replace: true }),
  });
  const errors = useFormErrors(reset.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    reset.mutate(password);
  }

  if (!token) {
    return (
      <AuthLayout title={t("auth.reset.title")}>
        <Alert tone="danger">{t("auth.reset.no_token")}</Alert>
        <BackToLogin />
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title={t("auth.reset.title")} description={t("auth.reset.description")}>
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <Field
          label={t("auth.new_password")}
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.fields.password}
          hint={t("auth.password_hint")}
        />
        <Field
          label={t("auth.confirm_password")}
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={mismatch ? t("field.password_mismatch") : undefined}
        />
        {errors.form && <Alert tone="danger">{errors.form}</Alert>}
        <Button type="submit" disabled={reset.isPending}>
          {t("auth.reset.submit")}
        </Button>
      </form>
      <BackToLogin />
    </AuthLayout>
  );
}
