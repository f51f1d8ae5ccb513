import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button";
import { Field } from "../../components/ui/field";
import { Alert } from "../../components/ui/alert";
import { Spinner } from "../../components/ui/misc";
import { isApiError } from "../../lib/api";
import { errorMessage } from "../../lib/errors";
import { useFormErrors } from "../../lib/useFormErrors";
import { AuthLayout } from "./AuthLayout";
import { authApi, authKeys, invitationQuery } from "./api";

export function InvitePage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const info = useQuery({ ...invitationQuery(token), enabled: token !== "" });
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const accept = useMutation({
    mutationFn: () => authApi.acceptInvitation(token, { name, password }),
    meta: { public: true, inline: true },
    onSuccess: () => {
      qc.removeQueries({ queryKey: authKeys.me });
      navigate("/", { replace: true });
    },
  });
  const errors = useFormErrors(accept.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    accept.mutate();
  }

  if (!token || info.isError) {
    const gone = !token || (isApiError(info.error) && info.error.code === "not_found");
    return (
      <AuthLayout title={t("auth.invite.title")}>
        <Alert tone="danger">{gone ? t("auth.invite.gone") : errorMessage(t, info.error)}</Alert>
        <p className="mt-4 text-sm">
          <Link to="/login" className="text-primary hover:underline">
            {t("auth.back_to_login")}
          </Link>
        </p>
      </AuthLayout>
    );
  }
  if (info.isPending) return <Spinner />;
  const inv = info.data;
  return (
    <AuthLayout
      title={t("auth.invite.title")}
      description={t("auth.invite.description", {
        inviter: inv.inviter.name,
        company: inv.company.name,
        role: t(`roles.${inv.role}`),
      })}
    >
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <Field label={t("auth.email")} type="email" value={inv.email} readOnly disabled />
        {inv.user_exists ? (
          <Alert>{t("auth.invite.existing")}</Alert>
        ) : (
          <Field
            label={t("auth.name")}
            name="name"
            autoComplete="name"
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errors.fields.name}
          />
        )}
        <Field
          label={inv.user_exists ? t("auth.password") : t("auth.invite.choose_password")}
          type="password"
          name="password"
          autoComplete={inv.user_exists ? "current-password" : "new-password"}
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.fields.password}
          hint={inv.user_exists ? undefined : t("auth.password_hint")}
        />
        {errors.form && <Alert tone="danger">{errors.form}</Alert>}
        <Button type="submit" disabled={accept.isPending}>
          {inv.user_exists ? t("auth.invite.join") : t("auth.invite.create")}
        </Button>
      </form>
    </AuthLayout>
  );
}
