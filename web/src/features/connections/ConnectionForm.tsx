import { useId, useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { teamsQuery } from "../conversations/api";
import { useTranslation } from "react-i18next";
import { FlaskConical, MessageCircle } from "lucide-react";
import type { Connection, ConnectionInput, ConnectionType } from "./api";
import { Field, FieldError } from "../../components/ui/field";
import { Label, Select } from "../../components/ui/input";
import { Button } from "../../components/ui/button";
import { Alert } from "../../components/ui/alert";
import { cn } from "../../lib/cn";

export interface FormValues {
  type: ConnectionType;
  name: string;
  delivery_delay_ms: string;
  /** The Simulator's imitation of Meta's messaging limit; "" for none. */
  messaging_limit: string;
  phone_number_id: string;
  waba_id: string;
  access_token: string;
  app_secret: string;
  verify_token: string;
  app_id: string;
  graph_url: string;
  /** The team new conversations go to; "" for none. */
  team_id: string;
}

export function initialValues(c?: Connection, type: ConnectionType = "simulator"): FormValues {
  return {
    type: c?.type ?? type,
    name: c?.name ?? "",
    delivery_delay_ms: c?.config.delivery_delay_ms != null ? String(c.config.delivery_delay_ms) : "1000",
    messaging_limit: c?.config.messaging_limit ? String(c.config.messaging_limit) : "",
    phone_number_id: c?.config.phone_number_id ?? "",
    waba_id: c?.config.waba_id ?? "",
    access_token: "",
    app_secret: "",
    verify_token: "",
    app_id: c?.config.app_id ?? "",
    graph_url: c?.config.graph_url ?? "",
    team_id: c?.team_id ?? "",
  };
}

/** The body for the API: on edit, secrets go only when typed (they replace the stored ones). */
export function toInput(v: FormValues, editing: boolean): ConnectionInput {
  const config: Record<string, unknown> = {};
  if (v.type === "simulator") {
    const n = Number(v.delivery_delay_ms);
    config.delivery_delay_ms = v.delivery_delay_ms.trim() === "" || Number.isNaN(n) ? -1 : Math.round(n);
    const limit = Number(v.messaging_limit);
    config.messaging_limit = v.messaging_limit.trim() === "" ? 0 : Number.isNaN(limit) ? -1 : Math.round(limit);
  } else {
    config.phone_number_id = v.phone_number_id.trim();
    config.waba_id = v.waba_id.trim();
    config.app_id = v.app_id.trim();
    config.graph_url = v.graph_url.trim();
    for (const k of ["access_token", "app_secret", "verify_token"] as const) {
      if (v[k].trim() || !editing) config[k] = v[k].trim();
    }
  }
  const body: ConnectionInput = { name: v.name, config, team_id: v.team_id || null };
  if (!editing) body.type = v.type;
  return body;
}

function TypeChoice({ value, onChange }: { value: ConnectionType; onChange: (t: ConnectionType) => void }) {
  const { t } = useTranslation();
  const options: { type: ConnectionType; icon: typeof MessageCircle }[] = [
    { type: "whatsapp_cloud", icon: MessageCircle },
    { type: "simulator", icon: FlaskConical },
  ];
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="mb-1.5 text-sm font-medium">{t("connections.form.type")}</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {options.map((o) => (
          <label
            key={o.type}
            className={cn(
              "flex cursor-pointer gap-3 rounded-md border p-3 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-ring",
              value === o.type ? "border-primary bg-accent" : "border-border hover:bg-muted",
            )}
          >
            <input type="radio" name="connection-type" className="sr-only" checked={value === o.type} onChange={() => onChange(o.type)} />
            <o.icon className="mt-0.5 h-5 w-5 shrink-0 text-primary" aria-hidden />
            <span>
              <span className="block font-medium">{t(`connections.type.${o.type}`)}</span>
              <span className="block text-xs text-muted-foreground">{t(`connections.form.${o.type}_help`)}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Which team gets the connection's new conversations (and hands them out when it does so automatically). */
function TeamSelect({ value, onChange, error }: { value: string; onChange: (v: string) => void; error?: string }) {
  const { t } = useTranslation();
  const id = useId();
  const teams = useQuery(teamsQuery);
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{t("connections.form.team")}</Label>
      <Select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined}>
        <option value="">{t("connections.form.no_team")}</option>
        {(teams.data?.data ?? []).map((x) => (
          <option key={x.id} value={x.id}>
            {x.name}
          </option>
        ))}
      </Select>
      <p className="text-xs text-muted-foreground">{t("connections.form.team_hint")}</p>
      <FieldError>{error}</FieldError>
    </div>
  );
}

/** Name and settings of a connection; the type is chosen only when creating. */
export function ConnectionForm({
  connection,
  initialType,
  onSubmit,
  pending,
  fieldErrors,
  formError,
  submitLabel,
  onCancel,
}: {
  connection?: Connection;
  initialType?: ConnectionType;
  onSubmit: (v: FormValues) => void;
  pending: boolean;
  fieldErrors: Record<string, string>;
  formError: string;
  submitLabel: string;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const editing = Boolean(connection);
  const [v, setV] = useState<FormValues>(() => initialValues(connection, initialType));
  const [advanced, setAdvanced] = useState(Boolean(connection?.config.app_id || connection?.config.graph_url));
  const set = (k: keyof FormValues) => (e: { target: { value: string } }) => setV((x) => ({ ...x, [k]: e.target.value }));
  const err = (k: string) => fieldErrors[`config.${k}`] || (k === "config" ? fieldErrors.config : undefined);
  function submit(e: FormEvent) {
    e.preventDefault();
    onSubmit(v);
  }
  const secretHint = (k: "access_token" | "app_secret" | "verify_token") =>
    editing && connection?.config[`${k}_set`] ? t("connections.form.secret_set") : undefined;
  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate data-testid="connection-form">
      {!editing && <TypeChoice value={v.type} onChange={(type) => setV((x) => ({ ...x, type }))} />}
      <Field
        label={t("connections.form.name")}
        value={v.name}
        onChange={set("name")}
        error={fieldErrors.name}
        hint={t(v.type === "simulator" ? "connections.form.name_hint_simulator" : "connections.form.name_hint")}
        required
      />
      <TeamSelect value={v.team_id} onChange={(team_id) => setV((x) => ({ ...x, team_id }))} error={fieldErrors.team_id} />
      {v.type === "simulator" ? (
        <Field
          label={t("connections.form.delivery_delay_ms")}
          type="number"
          inputMode="numeric"
          min={0}
          max={60000}
          step={100}
          value={v.delivery_delay_ms}
          onChange={set("delivery_delay_ms")}
          error={err("delivery_delay_ms")}
          hint={t("connections.form.delivery_delay_hint")}
        />
      ) : null}
      {v.type === "simulator" ? (
        <Field
          label={t("connections.form.messaging_limit")}
          type="number"
          inputMode="numeric"
          min={0}
          max={1000000}
          value={v.messaging_limit}
          onChange={set("messaging_limit")}
          error={err("messaging_limit")}
          hint={t("connections.form.messaging_limit_hint")}
        />
      ) : (
        <>
          <p className="text-sm text-muted-foreground">{t("connections.form.cloud_where")}</p>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field
              label={t("connections.form.phone_number_id")}
              inputMode="numeric"
              value={v.phone_number_id}
              onChange={set("phone_number_id")}
              error={err("phone_number_id")}
              required
            />
            <Field
              label={t("connections.form.waba_id")}
              inputMode="numeric"
              value={v.waba_id}
              onChange={set("waba_id")}
              error={err("waba_id")}
              required
            />
          </div>
          <Field
            label={t("connections.form.access_token")}
            type="password"
            autoComplete="off"
            value={v.access_token}
            onChange={set("access_token")}
            error={err("access_token")}
            hint={secretHint("access_token") ?? t("connections.form.access_token_hint")}
            placeholder={editing && connection?.config.access_token_set ? t("connections.form.keep_secret") : undefined}
            required={!editing}
          />
          <Field
            label={t("connections.form.app_secret")}
            type="password"
            autoComplete="off"
            value={v.app_secret}
            onChange={set("app_secret")}
            error={err("app_secret")}
            hint={secretHint("app_secret") ?? t("connections.form.app_secret_hint")}
            placeholder={editing && connection?.config.app_secret_set ? t("connections.form.keep_secret") : undefined}
            required={!editing}
          />
          <Field
            label={t("connections.form.verify_token")}
            autoComplete="off"
            value={v.verify_token}
            onChange={set("verify_token")}
            error={err("verify_token")}
            hint={secretHint("verify_token") ?? t("connections.form.verify_token_hint")}
            placeholder={editing && connection?.config.verify_token_set ? t("connections.form.keep_secret") : undefined}
          />
          <div>
            <Button variant="ghost" size="sm" onClick={() => setAdvanced((a) => !a)} aria-expanded={advanced}>
              {advanced ? t("connections.form.hide_advanced") : t("connections.form.show_advanced")}
            </Button>
          </div>
          {advanced && (
            <div className="grid gap-4 sm:grid-cols-2">
              <Field
                label={t("connections.form.app_id")}
                inputMode="numeric"
                value={v.app_id}
                onChange={set("app_id")}
                error={err("app_id")}
                hint={t("connections.form.app_id_hint")}
              />
              <Field
                label={t("connections.form.graph_url")}
                type="url"
                value={v.graph_url}
                onChange={set("graph_url")}
                error={err("graph_url")}
                hint={t("connections.form.graph_url_hint")}
                placeholder="https://graph.facebook.com"
              />
            </div>
          )}
        </>
      )}
      {err("config") && <Alert tone="danger">{err("config")}</Alert>}
      {formError && <Alert tone="danger">{formError}</Alert>}
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        {onCancel && (
          <Button variant="outline" onClick={onCancel}>
            {t("common.cancel")}
          </Button>
        )}
        <Button type="submit" disabled={pending}>
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}
