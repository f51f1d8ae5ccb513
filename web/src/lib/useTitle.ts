import { useEffect } from "react";

/** Sets the browser tab's title: "Page · Masteria". */
export function useTitle(title: string | undefined) {
  useEffect(() => {
    document.title = title ? `${title} · Masteria` : "Masteria";
  }, [title]);
}
