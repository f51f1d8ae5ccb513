import type { ReactNode } from "react";
import { MessageCircle } from "lucide-react";
import { LanguageSwitch, ThemeSwitch } from "../../components/preferences";
import { useTitle } from "../../lib/useTitle";

export function Logo() {
  return (
    <div className="flex items-center gap-2 font-semibold">
      <span className="flex h-8 w-8 items-center justify-center rounded-md bg-primary text-primary-foreground">
        <MessageCircle className="h-5 w-5" aria-hidden />
      </span>
      <span className="text-lg">Masteria</span>
    </div>
  );
}

export function AuthLayout({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  useTitle(title);
  return (
    <div className="flex min-h-screen flex-col bg-muted">
      <header className="flex items-center justify-between gap-2 p-4">
        <Logo />
        <div className="flex items-center gap-2">
          <LanguageSwitch />
          <ThemeSwitch />
        </div>
      </header>
      <main className="flex flex-1 items-start justify-center px-4 pt-4 pb-12 sm:pt-12">
        <div className="w-full max-w-md rounded-lg border border-border bg-card p-6 shadow-sm sm:p-8">
          <h1 className="text-xl font-semibold">{title}</h1>
          {description && <p className="mt-1 text-sm text-muted-foreground">{description}</p>}
          <div className="mt-6">{children}</div>
        </div>
      </main>
    </div>
  );
}
