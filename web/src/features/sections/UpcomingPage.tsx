import { useTranslation } from "react-i18next";
import { SECTIONS } from "../../app/sections";
import { Card } from "../../components/ui/card";
import { useTitle } from "../../lib/useTitle";

/** An honest page for a section that this version does not have yet. */
export function UpcomingPage({ section }: { section: string }) {
  const { t } = useTranslation();
  const Icon = SECTIONS.find((s) => s.key === section)?.icon;
  useTitle(t(`nav.${section}`));
  return (
    <div>
      <h1 className="mb-6 text-2xl font-semibold tracking-tight">{t(`nav.${section}`)}</h1>
      <Card className="flex flex-col items-center gap-3 px-6 py-12 text-center">
        {Icon && (
          <span className="flex h-12 w-12 items-center justify-center rounded-full bg-accent text-accent-foreground">
            <Icon className="h-6 w-6" aria-hidden />
          </span>
        )}
        <p className="max-w-lg text-base">{t(`upcoming.${section}`)}</p>
        <p className="max-w-lg text-sm text-muted-foreground">{t("upcoming.not_yet")}</p>
      </Card>
    </div>
  );
}
