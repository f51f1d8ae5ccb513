import { useTranslation } from "react-i18next";
import { Alert } from "./ui/alert";
import { Button } from "./ui/button";
import { errorMessage } from "../lib/errors";

/** Inline message for a query that failed, with a way to try again. */
export function QueryError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert tone="danger">
      <div className="flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
        <span>{errorMessage(t, error)}</span>
        {onRetry && (
          <Button size="sm" variant="outline" onClick={onRetry}>
            {t("common.retry")}
          </Button>
        )}
      </div>
    </Alert>
  );
}
