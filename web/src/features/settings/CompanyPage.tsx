import { useId, useMemo, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useMe } from "../../app/AuthGuard";
import { authKeys, isAdmin } from "../auth/api";
import { companyQuery, settingsApi, settingsKeys, type BusinessHours, type Company } from "./api";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../components/ui/card";
import { Field, FieldError } from "../../components/ui/field";
import { Button } from "../../components/ui/button";
import { Alert } from "../../components/ui/alert";
import { Checkbox, Input, Label, Select } from "../../components/ui/input";
import { Spinner } from "../../components/ui/misc";
import { QueryError } from "../../components/query-error";
import { useToast } from "../../components/ui/toast";
import { useFormErrors } from "../../lib/useFormErrors";
import { COUNTRY_CODES } from "../../lib/countries";
import { ChipsInput } from "../../components/ui/chips-input";

function timeZones(current: string): string[] {
  let zones: string[] = [];
  try {
    zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  } catch {
    zones = [];
  }
  if (!zones.includes("UTC")) zones = ["UTC", ...zones];
  if (current && !zones.includes(current)) zones = [current, ...zones];
  return zones;
}

function weekdayName(day: number, locale: string): string {
  // 2023-01-01 was a Sunday, so day 0 = Sunday like the API.
  const d = new Date(Date.UTC(2023, 0, 1 + day, 12));
  const name = new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" }).format(d);
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function fullWeek(hours: BusinessHours[] | undefined): BusinessHours[] {
  return Array.from({ length: 7 }, (_, day) => {
    const h = hours?.find((x) => x.day === day);
    return h ? { ...h } : { day, open: day >= 1 && day <= 5, start: "09:00", end: "18:00" };
  });
}

function CompanyForm({ company, canEdit }: { company: Company; canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const tzId = useId();
  const countryId = useId();
  const [name, setName] = useState(company.name);
  const [tz, setTz] = useState(company.time_zone);
  const [country, setCountry] = useState(company.default_country);
  const [hours, setHours] = useState(() => fullWeek(company.business_hours));
  const [optout, setOptout] = useState<string[]>(company.optout_keywords ?? []);
  const [optin, setOptin] = useState<string[]>(company.optin_keywords ?? []);
  const [reasons, setReasons] = useState<string[]>(company.closing_reasons ?? []);
  const [reasonRequired, setReasonRequired] = useState(Boolean(company.closing_reason_required));
  const reasonsId = useId();
  const optoutId = useId();
  const optinId = useId();
  const zones = useMemo(() => timeZones(company.time_zone), [company.time_zone]);
  const countries = useMemo(() => {
    let names: Intl.DisplayNames | null = null;
    try {
      names = new Intl.DisplayNames([i18n.language], { type: "region" });
    } catch {
      names = null;
    }
    return COUNTRY_CODES.map((c) => ({ code: c, name: names?.of(c) ?? c })).sort((a, b) =>
      a.name.localeCompare(b.name, i18n.language),
    );
  }, [i18n.language]);

  const save = useMutation({
    mutationFn: () =>
      settingsApi.updateCompany({
        name,
        time_zone: tz,
        default_country: country,
        business_hours: hours,
        optout_keywords: optout,
        optin_keywords: optin,
        closing_reasons: reasons,
        closing_reason_required: reasonRequired,
      }),
    meta: { inline: true },
    onSuccess: (data) => {
      qc.setQueryData(settingsKeys.company, data);
      void qc.invalidateQueries({ queryKey: authKeys.me });
      toast(t("common.saved"));
    },
  });
  const errors = useFormErrors(save.error);
  const hoursError = Object.entries(errors.fields).find(([k]) => k.startsWith("business_hours"))?.[1];

  function setDay(day: number, patch: Partial<BusinessHours>) {
    setHours((hs) => hs.map((h) => (h.day === day ? { ...h, ...patch } : h)));
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  const disabled = !canEdit;

  return (
    <form onSubmit={submit} className="flex flex-col gap-6" noValidate>
      {!canEdit && <Alert>{t("settings.company.read_only")}</Alert>}
      <Card>
        <CardHeader>
          <CardTitle>{t("settings.company.title")}</CardTitle>
        </CardHeader>
        <CardContent className="grid gap-4 sm:grid-cols-2">
          <div className="sm:col-span-2">
            <Field
              label={t("settings.company.name")}
              value={name}
              onChange={(e) => setName(e.target.value)}
              error={errors.fields.name}
              disabled={disabled}
              required
            />
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={tzId}>{t("settings.company.time_zone")}</Label>
            <Select
              id={tzId}
              value={tz}
              onChange={(e) => setTz(e.target.value)}
              disabled={disabled}
              aria-invalid={errors.fields.time_zone ? true : undefined}
            >
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z.replaceAll("_", " ")}
                </option>
              ))}
            </Select>
            <FieldError>{errors.fields.time_zone}</FieldError>
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={countryId}>{t("settings.company.default_country")}</Label>
            <Select
              id={countryId}
              value={country}
              onChange={(e) => setCountry(e.target.value)}
              disabled={disabled}
              aria-invalid={errors.fields.default_country ? true : undefined}
            >
              {!COUNTRY_CODES.includes(country) && <option value={country}>{country}</option>}
              {countries.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </Select>
            <p className="text-xs text-muted-foreground">{t("settings.company.default_country_help")}</p>
            <FieldError>{errors.fields.default_country}</FieldError>
          </div>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("settings.company.business_hours")}</CardTitle>
          <CardDescription>{t("settings.company.business_hours_help")}</CardDescription>
        </CardHeader>
        <CardContent>
          <ul className="flex flex-col divide-y divide-border">
            {hours.map((h) => {
              const day = weekdayName(h.day, i18n.language);
              return (
                <li key={h.day} className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:gap-4">
                  <label className="flex w-44 items-center gap-2 text-sm font-medium">
                    <input
                      type="checkbox"
                      className="h-4 w-4 accent-[var(--primary)]"
                      checked={h.open}
                      disabled={disabled}
                      onChange={(e) => setDay(h.day, { open: e.target.checked })}
                    />
                    {day}
                  </label>
                  {h.open ? (
                    <div className="flex items-center gap-2 text-sm">
                      <Input
                        type="time"
                        className="w-32"
                        aria-label={t("settings.company.opens_at", { day })}
                        value={h.start}
                        disabled={disabled}
                        onChange={(e) => setDay(h.day, { start: e.target.value })}
                      />
                      <span className="text-muted-foreground">{t("settings.company.until")}</span>
                      <Input
                        type="time"
                        className="w-32"
                        aria-label={t("settings.company.closes_at", { day })}
                        value={h.end}
                        disabled={disabled}
                        onChange={(e) => setDay(h.day, { end: e.target.value })}
                      />
                    </div>
                  ) : (
                    <span className="text-sm text-muted-foreground">{t("settings.company.closed")}</span>
                  )}
                </li>
              );
            })}
          </ul>
          <FieldError>{hoursError}</FieldError>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("settings.company.keywords")}</CardTitle>
          <CardDescription>{t("settings.company.keywords_help")}</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4 sm:grid-cols-2">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={optoutId}>{t("settings.company.optout_keywords")}</Label>
            <ChipsInput
              id={optoutId}
              value={optout}
              onChange={setOptout}
              disabled={disabled}
              prompt={t("settings.company.keywords_prompt")}
              invalid={Boolean(errors.fields.optout_keywords)}
            />
            <p className="text-xs text-muted-foreground">{t("settings.company.optout_help")}</p>
            <FieldError>{errors.fields.optout_keywords}</FieldError>
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={optinId}>{t("settings.company.optin_keywords")}</Label>
            <ChipsInput
              id={optinId}
              value={optin}
              onChange={setOptin}
              disabled={disabled}
              prompt={t("settings.company.keywords_prompt")}
              invalid={Boolean(errors.fields.optin_keywords)}
            />
            <p className="text-xs text-muted-foreground">{t("settings.company.optin_help")}</p>
            <FieldError>{errors.fields.optin_keywords}</FieldError>
          </div>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("settings.company.closing")}</CardTitle>
          <CardDescription>{t("settings.company.closing_help")}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={reasonsId}>{t("settings.company.closing_reasons")}</Label>
            <ChipsInput
              id={reasonsId}
              value={reasons}
              onChange={setReasons}
              disabled={disabled}
              prompt={t("settings.company.closing_prompt")}
              invalid={Boolean(errors.fields.closing_reasons)}
              testId="closing-reasons"
            />
            <p className="text-xs text-muted-foreground">{t("settings.company.closing_reasons_help")}</p>
            <FieldError>{errors.fields.closing_reasons}</FieldError>
          </div>
          <label className="flex items-start gap-2 text-sm">
            <Checkbox
              checked={reasonRequired}
              onChange={(e) => setReasonRequired(e.target.checked)}
              disabled={disabled}
              className="mt-0.5"
            />
            <span>
              <span className="font-medium">{t("settings.company.closing_required")}</span>
              <span className="block text-xs text-muted-foreground">{t("settings.company.closing_required_help")}</span>
            </span>
          </label>
        </CardContent>
      </Card>
      {errors.form && <Alert tone="danger">{errors.form}</Alert>}
      {canEdit && (
        <div>
          <Button type="submit" disabled={save.isPending}>
            {t("common.save")}
          </Button>
        </div>
      )}
    </form>
  );
}

export function CompanyPage() {
  const me = useMe();
  const company = useQuery(companyQuery);
  if (company.isPending) return <Spinner />;
  if (company.isError) return <QueryError error={company.error} onRetry={() => company.refetch()} />;
  return <CompanyForm key={company.data.id} company={company.data} canEdit={isAdmin(me.role)} />;
}
