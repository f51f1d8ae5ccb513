import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button";
import { Field } from "../../components/ui/field";
import { Alert } from "../../components/ui/alert";
import { Spinner } from "../../components/ui/misc";
import { useFormErrors } from "../../lib/useFormErrors";
import { AuthLayout } from "./AuthLayout";
import { authApi, authKeys, configQuery } from "./api";

export function SignupPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const config = useQuery(configQuery);
  const [form, setForm] = useState({ company_name: "", name: "", email: "", password: "" });
  const signup = useMutation({
    mutationFn: authApi.signup,
    meta: { public: true, inline: true },
    onSuccess: () => {
      qc.removeQueries({ queryKey: authKeys.me });
      navigate("/", { replace: true });
    },
  });
  const errors = useFormErrors(signup.error);
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));

  function submit(e: FormEvent) {
    e.preventDefault();
    signup.mutate(form);
  }

  if (config.isPending) return <Spinner />;
  if (config.data && !config.data.signup_enabled) {
    return (
      <AuthLayout title={t("auth.signup.title")}>
        <Alert>{t("auth.signup.disabled")}</Alert>
        <p className="mt-4 text-sm">
          <Link to="/login" className="text-primary hover:underline">
            {t("auth.back_to_login")}
          </Link>
        </p>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title={t("auth.signup.title")} description={t("auth.signup.description")}>
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <Field
          label={t("auth.signup.company_name")}
          name="company_name"
          autoComplete="organization"
          required
          value={form.company_name}
          onChange={set("company_name")}
          error={errors.fields.company_name}
        />
        <Field
          label={t("auth.name")}
          name="name"
          autoComplete="name"
          required
          value={form.name}
          onChange={set("name")}
          error={errors.fields.name}
        />
        <Field
          label={t("auth.email")}
          type="email"
          name="email"
          autoComplete="email"
          required
          value={form.email}
          onChange={set("email")}
          error={errors.fields.email}
        />
        <Field
          label={t("auth.password")}
          type="password"
          name="password"
          autoComplete="new-password"
          required
          minLength={10}
          value={form.password}
          onChange={set("password")}
          error={errors.fields.password}
          hint={t("auth.password_hint")}
        />
        {errors.form && <Alert tone="danger">{errors.form}</Alert>}
        <Button type="submit" disabled={signup.isPending}>
          {signup.isPending ? t("common.wait") : t("auth.signup.submit")}
        </Button>
        <p className="text-sm text-muted-foreground">
          {t("auth.signup.have_account")}{" "}
          <Link to="/login" className="text-primary hover:underline">
            {t("auth.signup.login")}
          </Link>
        </p>
      </form>
    </AuthLayout>
  );
}
