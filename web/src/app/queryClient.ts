import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { isApiError } from "../lib/api";
import { errorMessage } from "../lib/errors";
import { notify } from "../components/ui/toast";
import i18n from "../i18n";

declare module "@tanstack/react-query" {
  interface Register {
    queryMeta: { public?: boolean };
    mutationMeta: { public?: boolean; inline?: boolean };
  }
}

let onUnauthorized: () => void = () => {};
/** The router registers how to send the user to the sign-in page. */
export function setUnauthorizedHandler(fn: () => void) {
  onUnauthorized = fn;
}

/**
 * The one error policy:
 * - 401 on anything that needs a session sends the user to /login;
 * - queries show their error inline where the data would be (see QueryError);
 * - mutations show their error next to the form fields when the form says so
 *   (meta.inline), otherwise as a toast with a translated sentence.
 */
function handle(err: unknown, meta: { public?: boolean; inline?: boolean } | undefined, isMutation: boolean) {
  if (isApiError(err) && err.status === 401 && !meta?.public) {
    onUnauthorized();
    return;
  }
  if (isMutation && !meta?.inline) {
    notify(errorMessage(i18n.t, err), "error");
  }
}

export const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: (err, query) => handle(err, query.meta, false) }),
  mutationCache: new MutationCache({ onError: (err, _v, _c, mutation) => handle(err, mutation.meta, true) }),
  defaultOptions: {
    queries: {
      retry: (count, err) => {
        if (isApiError(err) && err.status >= 400 && err.status < 500) return false;
        return count < 2;
      },
      refetchOnWindowFocus: false,
    },
  },
});
