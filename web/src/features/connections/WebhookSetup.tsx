import { useTranslation } from "react-i18next";
import { CopyField } from "../../components/ui/copy-field";

/** Where to paste the callback URL and verify token in Meta's app, in plain steps. */
export function WebhookSetup({ url, token }: { url: string; token?: string }) {
  const { t } = useTranslation();
  return (
    <div className="flex flex-col gap-3" data-testid="webhook-setup">
      <CopyField label={t("connections.webhook.url")} value={url} testId="webhook-url" />
      {token ? (
        <CopyField label={t("connections.webhook.verify_token")} value={token} testId="webhook-verify-token" />
      ) : (
        <p className="text-sm text-muted-foreground">{t("connections.webhook.token_note")}</p>
      )}
      <ol className="flex list-decimal flex-col gap-1 pl-5 text-sm text-muted-foreground">
        <li>{t("connections.webhook.step1")}</li>
        <li>{t("connections.webhook.step2")}</li>
        <li>{t("connections.webhook.step3")}</li>
        <li>{t("connections.webhook.step4")}</li>
      </ol>
    </div>
  );
}
