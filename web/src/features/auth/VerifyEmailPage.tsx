import { useEffect, useRef } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { Alert } from "../../components/ui/alert";
import { Spinner } from "../../components/ui/misc";
import { errorMessage } from "../../lib/errors";
import { AuthLayout } from "./AuthLayout";
import { authApi, authKeys } from "./api";

export function VerifyEmailPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const qc = useQueryClient();
  const started = useRef(false);
  const verify = useMutation({
    mutationFn: authApi.verifyEmail,
    meta: { public: true, inline: true },
    onSuccess: () => qc.invalidateQueries({ queryKey: authKeys.me }),
  });

  useEffect(() => {
    if (token && !started.current) {
      started.current = true;
      verify.mutate(token);
    }
  }, [token, verify]);

  return (
    <AuthLayout title={t("auth.verify.title")}>
      {!token && <Alert tone="danger">{t("auth.verify.no_token")}</Alert>}
      {token && (verify.isPending || verify.isIdle) && <Spinner />}
      {verify.isSuccess && <Alert>{t("auth.verify.done")}</Alert>}
      {verify.isError && <Alert tone="danger">{errorMessage(t, verify.error)}</Alert>}
      <p className="mt-4 text-sm">
        <Link to="/" className="text-primary hover:underline">
          {t("auth.verify.continue")}
        </Link>
      </p>
    </AuthLayout>
  );
}
