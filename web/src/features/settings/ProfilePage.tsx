import { useId, useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useMe } from "../../app/AuthGuard";
import { authKeys } from "../auth/api";
import { settingsApi } from "./api";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Field } from "../../components/ui/field";
import { Button } from "../../components/ui/button";
import { Alert } from "../../components/ui/alert";
import { Label, Select } from "../../components/ui/input";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";
import { LANGUAGES, setLanguage, type Language } from "../../i18n";

function NameForm() {
  const { t } = useTranslation();
  const me = useMe();
  const qc = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState(me.user.name);
  const save = useMutation({
    mutationFn: () => settingsApi.updateMe({ name }),
    meta: { inline: true },
    onSuccess: (data) => {
      qc.setQueryData(authKeys.me, data);
      toast(t("common.saved"));
    },
  });
  const errors = useFormErrors(save.error);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      className="flex flex-col gap-4"
      noValidate
    >
      <Field label={t("auth.name")} value={name} onChange={(e) => setName(e.target.value)} error={errors.fields.name} required />
      <Field label={t("auth.email")} value={me.user.email} readOnly disabled />
      {errors.form && <Alert tone="danger">{errors.form}</Alert>}
      <div>
        <Button type="submit" disabled={save.isPending}>
          {t("common.save")}
        </Button>
      </div>
    </form>
  );
}

function LanguageForm() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const id = useId();
  const save = useMutation({
    mutationFn: (locale: Language) => settingsApi.updateMe({ locale }),
    onSuccess: (data) => qc.setQueryData(authKeys.me, data),
  });
  return (
    <div className="flex flex-col gap-1.5 sm:max-w-xs">
      <Label htmlFor={id}>{t("prefs.language")}</Label>
      <Select
        id={id}
        value={i18n.language === "en" ? "en" : "pt-BR"}
        onChange={(e) => {
          const l = e.target.value as Language;
          setLanguage(l);
          save.mutate(l);
        }}
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l}>
            {t(`prefs.languages.${l === "en" ? "en" : "pt_BR"}`)}
          </option>
        ))}
      </Select>
    </div>
  );
}

function PasswordForm() {
  const { t } = useTranslation();
  const toast = useToast();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const change = useMutation({
    mutationFn: () => settingsApi.changePassword({ current_password: current, new_password: next }),
    meta: { inline: true },
    onSuccess: () => {
      setCurrent("");
      setNext("");
      toast(t("settings.profile.password_changed"));
    },
  });
  const errors = useFormErrors(change.error);
  function submit(e: FormEvent) {
    e.preventDefault();
    change.mutate();
  }
  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
      <Field
        label={t("settings.profile.current_password")}
        type="password"
        autoComplete="current-password"
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
        error={errors.fields.current_password}
        required
      />
      <Field
        label={t("auth.new_password")}
        type="password"
        autoComplete="new-password"
        value={next}
        onChange={(e) => setNext(e.target.value)}
        error={errors.fields.new_password}
        hint={t("auth.password_hint")}
        required
      />
      {errors.form && <Alert tone="danger">{errors.form}</Alert>}
      <div>
        <Button type="submit" disabled={change.isPending}>
          {t("settings.profile.change_password")}
        </Button>
      </div>
    </form>
  );
}

export function ProfilePage() {
  const { t } = useTranslation();
  return (
    <div className="flex flex-col gap-6">
      <Card>
        <CardHeader>
          <CardTitle>{t("settings.profile.title")}</CardTitle>
        </CardHeader>
        <CardContent>
          <NameForm />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("prefs.language")}</CardTitle>
          <CardDescription>{t("settings.profile.language_help")}</CardDescription>
        </CardHeader>
        <CardContent>
          <LanguageForm />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("settings.profile.change_password")}</CardTitle>
          <CardDescription>{t("settings.profile.password_help")}</CardDescription>
        </CardHeader>
        <CardContent>
          <PasswordForm />
        </CardContent>
      </Card>
    </div>
  );
}
