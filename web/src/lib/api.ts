// The one fetch wrapper for the Masteria JSON API (/api/v1).
//
// The browser session lives in an HttpOnly cookie set by the server; every
// request that changes something carries the CSRF token that the server puts
// in the readable cookie `masteria_csrf`.

export const API_BASE = "/api/v1";
const CSRF_COOKIE = "masteria_csrf";

/** An error answered by the server (any non-2xx) or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;

  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** Reads a cookie by name from a `document.cookie` style string. */
export function readCookie(cookieString: string, name: string): string {
  for (const part of cookieString.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return "";
}

function csrfToken(): string {
  if (typeof document === "undefined") return "";
  return readCookie(document.cookie, CSRF_COOKIE);
}

/** Builds the ApiError for a non-2xx response from its status and parsed body. */
export function errorFromResponse(status: number, body: unknown): ApiError {
  const e = (body as { error?: { code?: unknown; message?: unknown; fields?: unknown } } | null)?.error;
  let code = typeof e?.code === "string" && e.code ? e.code : "";
  if (!code) {
    if (status === 401) code = "unauthorized";
    else if (status === 403) code = "forbidden";
    else if (status === 404) code = "not_found";
    else if (status === 429) code = "rate_limited";
    else if (status >= 500) code = "internal";
    else code = "unknown";
  }
  const message = typeof e?.message === "string" ? e.message : `HTTP ${status}`;
  const fields: Record<string, string> = {};
  if (e?.fields && typeof e.fields === "object") {
    for (const [k, v] of Object.entries(e.fields as Record<string, unknown>)) {
      if (typeof v === "string") fields[k] = v;
    }
  }
  return new ApiError(status, code, message, fields);
}

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";


export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const init: RequestInit = { method, headers, credentials: "same-origin" };
  if (method !== "GET") {
    headers["X-CSRF-Token"] = csrfToken();
    if (typeof FormData !== "undefined" && body instanceof FormData) {
      // The browser sets the multipart Content-Type with its boundary.
      init.body = body;
    } else {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body ?? {});
    }
  }
  let res: Response;
  try {
    res = await fetch(API_BASE + path, init);
  } catch {
    throw new ApiError(0, "network", "network error");
  }
  // Read the body even when empty (204) so the request is complete before any navigation.
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) throw errorFromResponse(res.status, data);
  return (data ?? {}) as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body),
  patch: <T>(path: string, body?: unknown) => request<T>("PATCH", path, body),
  put: <T>(path: string, body?: unknown) => request<T>("PUT", path, body),
  del: <T = void>(path: string) => request<T>("DELETE", path),
  /** A multipart POST (file uploads). */
  upload: <T>(path: string, form: FormData) => request<T>("POST", path, form),
};

/**
 * A multipart POST that reports upload progress (0..1), which fetch cannot.
 * Errors are the same ApiError as request's.
 */
export function uploadWithProgress<T>(path: string, form: FormData, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", API_BASE + path);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "network error"));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "upload cancelled"));
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status < 200 || xhr.status >= 300) reject(errorFromResponse(xhr.status, data));
      else resolve((data ?? {}) as T);
    };
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(form);
  });
}

/** Adds query parameters, skipping empty ones. */
export function withQuery(path: string, params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export interface List<T> {
  data: T[];
  next_cursor?: string;
}
