import { useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ShieldCheck } from "lucide-react";
import { campaignsApi, type Audience, type CampaignInput, type ConsentSource, type Reach } from "./api";
import { Button } from "../../components/ui/button";
import { Checkbox, Label, Select, Textarea } from "../../components/ui/input";
import { FieldError } from "../../components/ui/field";
import { Alert } from "../../components/ui/alert";
import { Dialog, DialogContent, DialogFooter } from "../../components/ui/dialog";
import { useToast } from "../../components/ui/toast";
import { errorMessage } from "../../lib/errors";
import { isApiError } from "../../lib/api";

const SOURCES: ConsentSource[] = ["form", "import", "agent", "api"];

/**
 * Records a consent collected elsewhere (a form, a counter, a paper list)
 * for the audience's contacts that have none, with its source and the words
 * people agreed to; opted-out contacts are never touched.
 */
export function AudienceOptIn({ audience }: { audience: Audience }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [source, setSource] = useState<ConsentSource>("form");
  const [wording, setWording] = useState("");
  const [confirmed, setConfirmed] = useState(false);
  const [error, setError] = useState("");
  const ids = { source: useId(), wording: useId(), confirm: useId() };
  const save = useMutation({
    mutationFn: () => campaignsApi.optIn(audience, source, wording.trim()),
    onSuccess: async (res) => {
      setOpen(false);
      setWording("");
      setConfirmed(false);
      toast(t("campaigns.opt_in.done", { count: res.affected, n: new Intl.NumberFormat(i18n.language).format(res.affected) }));
      await qc.invalidateQueries({ queryKey: ["segments", "count"] });
      await qc.invalidateQueries({ queryKey: ["campaigns", "audience"] });
    },
    onError: (e) => {
      const field = isApiError(e) ? e.fields?.wording : undefined;
      setError(field ? t(`field.${field}`, { defaultValue: t("field.invalid") }) : errorMessage(t, e));
    },
  });
  const submit = () => {
    if (!wording.trim()) {
      setError(t("field.required"));
      return;
    }
    setError("");
    save.mutate();
  };
  return (
    <>
      <Button variant="outline" size="sm" className="mt-3" onClick={() => setOpen(true)} data-testid="record-consent">
        <ShieldCheck className="h-4 w-4" aria-hidden />
        {t("campaigns.opt_in.open")}
      </Button>
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogContent title={t("campaigns.opt_in.title")} description={t("campaigns.opt_in.help")}>
          <div className="flex flex-col gap-4">
            <div className="flex flex-col gap-1.5">
              <Label htmlFor={ids.source}>{t("contacts.consent_dialog.source")}</Label>
              <Select id={ids.source} value={source} onChange={(e) => setSource(e.target.value as ConsentSource)}>
                {SOURCES.map((s) => (
                  <option key={s} value={s}>
                    {t(`contacts.sources.${s}`)}
                  </option>
                ))}
              </Select>
            </div>
            <div className="flex flex-col gap-1.5">
              <Label htmlFor={ids.wording}>{t("contacts.consent_dialog.wording")}</Label>
              <Textarea
                id={ids.wording}
                rows={3}
                value={wording}
                placeholder={t("contacts.consent_dialog.wording_example")}
                aria-invalid={error ? true : undefined}
                aria-describedby={`${ids.wording}-err`}
                onChange={(e) => setWording(e.target.value)}
              />
              <FieldError id={`${ids.wording}-err`}>{error}</FieldError>
            </div>
            <label htmlFor={ids.confirm} className="flex cursor-pointer items-start gap-2 text-sm">
              <Checkbox id={ids.confirm} checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} className="mt-0.5" />
              {t("campaigns.opt_in.confirm")}
            </label>
          </div>
          <DialogFooter>
            <Button variant="outline" onClick={() => setOpen(false)}>
              {t("common.cancel")}
            </Button>
            <Button onClick={submit} disabled={!confirmed || save.isPending} data-testid="record-consent-save">
              {t("campaigns.opt_in.save")}
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}

/** One messaging limit: how much is used and what this campaign would take. */
function LimitRow({ r, names }: { r: Reach; names: string }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  if (r.limit === 0) {
    return (
      <li className="text-sm text-muted-foreground">
        <span className="font-medium text-foreground">{names}</span> · {t(r.tier ? "campaigns.limit.unlimited" : "campaigns.limit.unknown")}
      </li>
    );
  }
  const used = Math.min(100, (r.used / r.limit) * 100);
  const now = Math.min(100 - used, ((r.campaign - r.deferred) / r.limit) * 100);
  return (
    <li className="flex flex-col gap-1.5" data-testid="messaging-limit">
      <p className="text-sm">
        <span className="font-medium">{names}</span> · {t("campaigns.limit.tier", { n: nf.format(r.limit) })}
      </p>
      <div
        className="flex h-2.5 overflow-hidden rounded-full bg-muted"
        role="img"
        aria-label={t("campaigns.limit.bar", { used: nf.format(r.used), now: nf.format(r.campaign - r.deferred), limit: nf.format(r.limit) })}
      >
        <div className="bg-muted-foreground/60" style={{ width: `${used}%` }} />
        <div className="bg-primary" style={{ width: `${now}%` }} />
      </div>
      <p className="text-xs text-muted-foreground">
        {t("campaigns.limit.used", { used: nf.format(r.used), available: nf.format(r.available) })}
      </p>
      {r.deferred > 0 ? (
        <Alert tone="warning">
          {r.campaign - r.deferred > 0
            ? t("campaigns.limit.deferred", { count: r.deferred, n: nf.format(r.deferred), now: nf.format(r.campaign - r.deferred) })
            : t("campaigns.limit.deferred_all", { count: r.deferred, n: nf.format(r.deferred) })}
        </Alert>
      ) : (
        <p className="text-xs text-muted-foreground">{t("campaigns.limit.fits", { n: nf.format(r.campaign) })}</p>
      )}
    </li>
  );
}

/** Admission control before a start: Meta's messaging limits the campaign counts against. */
export function MessagingLimits({ body, names }: { body: Partial<CampaignInput>; names: (ids: string[]) => string }) {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ["campaigns", "audience", body],
    queryFn: () => campaignsApi.audience(body),
    enabled: Boolean(body.connection_ids?.length && body.audience),
  });
  if (!q.data) return null;
  const limits = q.data.messaging_limits ?? [];
  if (!limits.length) return null;
  return (
    <section className="flex flex-col gap-3 rounded-md border border-border p-4">
      <h3 className="text-sm font-semibold">{t("campaigns.limit.title")}</h3>
      <p className="text-xs text-muted-foreground">{t("campaigns.limit.help")}</p>
      <ul className="flex flex-col gap-4">
        {limits.map((r) => (
          <LimitRow key={r.connection_ids.join(",")} r={r} names={names(r.connection_ids)} />
        ))}
      </ul>
    </section>
  );
}
