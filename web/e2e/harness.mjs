// Shared helpers for the browser tests and the screenshot script: start the
// real server binary on a free port with a fresh data dir, launch the system
// Chromium, and watch pages for console errors and failed requests.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const here = new URL(".", import.meta.url).pathname;
export const webDir = resolve(here, "..");

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts `masteria serve` and waits until /readyz answers 200. */
export async function startServer(extraEnv = {}) {
  const bin = resolve(webDir, process.env.MASTERIA_BIN || "../bin/masteria");
  if (!existsSync(bin)) {
    throw new Error(`server binary not found at ${bin}; build it (go build -o bin/masteria ./cmd/masteria) or set MASTERIA_BIN`);
  }
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "masteria-e2e-"));
  const baseURL = `http://127.0.0.1:${port}`;
  const logs = [];
  const child = spawn(bin, ["serve"], {
    env: {
      ...process.env,
      MASTERIA_ADDR: `127.0.0.1:${port}`,
      MASTERIA_DATA_DIR: dataDir,
      MASTERIA_LOG_FORMAT: "json",
      MASTERIA_PUBLIC_URL: baseURL,
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => logs.push(String(d)));
  child.stderr.on("data", (d) => logs.push(String(d)));
  let exited = null;
  child.on("exit", (code, signal) => {
    exited = { code, signal };
  });

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`server exited early (${JSON.stringify(exited)}):\n${logs.join("")}`);
    try {
      const res = await fetch(`${baseURL}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`server not ready after 30s:\n${logs.join("")}`);
    }
    await sleep(150);
  }

  async function stop() {
    if (!exited) {
      child.kill("SIGTERM");
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (!exited) child.kill("SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { baseURL, stop, logs, dataDir };
}

/** The system Chromium; Playwright gives every launch a fresh temporary profile (user data dir). */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/**
 * Watches a page: console errors, uncaught exceptions, failed requests and
 * responses >= 400 are problems, except 4xx responses the test allows on
 * purpose with watcher.allow(method, pathRegExp, status).
 */
export function watch(page) {
  const problems = [];
  const allowed = [];
  const inflight = new Set();
  page.on("request", (req) => inflight.add(req));
  page.on("requestfinished", (req) => inflight.delete(req));
  page.on("requestfailed", (req) => inflight.delete(req));

  /** Waits until the page has no request in flight, so the test's own navigation aborts none. */
  async function idle(timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    let quietSince = inflight.size === 0 ? Date.now() : 0;
    while (Date.now() < deadline) {
      if (inflight.size === 0) {
        if (!quietSince) quietSince = Date.now();
        if (Date.now() - quietSince >= 100) return;
      } else {
        quietSince = 0;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  for (const name of ["goto", "reload"]) {
    const original = page[name].bind(page);
    page[name] = async (...args) => {
      await idle();
      return original(...args);
    };
  }
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    // Chromium mirrors every 4xx/5xx response as a console error; those are judged below by status.
    if (text.startsWith("Failed to load resource: the server responded with a status of")) return;
    problems.push(`console error: ${text}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => {
    problems.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText})`);
  });
  page.on("response", (res) => {
    const status = res.status();
    if (status < 400) return;
    const req = res.request();
    const path = new URL(res.url()).pathname;
    const ok = status < 500 && allowed.some((a) => a.method === req.method() && a.path.test(path) && a.status === status);
    if (!ok) problems.push(`HTTP ${status}: ${req.method()} ${path}`);
  });
  return {
    problems,
    allow(method, path, status) {
      allowed.push({ method, path, status });
    },
    assertClean() {
      if (problems.length) throw new Error(`browser problems:\n  ${problems.join("\n  ")}`);
    },
  };
}

export const CHROME_CONTEXT = { locale: "pt-BR", timezoneId: "America/Sao_Paulo" };

/**
 * Creates a company through the sign-up page in the context (which keeps the
 * session), failing on any console error or failed request there, and answers
 * `{ api, get, post }` that call the API as its owner: `api(method, path,
 * data)` answers the JSON body (null for 204) and throws on any other status.
 */
export async function signUp(context, baseURL, owner) {
  const page = await context.newPage();
  const watcher = watch(page);
  await page.goto("/signup");
  await page.getByLabel("Nome da empresa").fill(owner.company);
  await page.getByLabel("Seu nome").fill(owner.name);
  await page.getByLabel("E-mail").fill(owner.email);
  await page.getByLabel("Senha").fill(owner.password);
  await page.getByRole("button", { name: "Criar conta" }).click();
  await page.waitForURL((u) => u.pathname === "/");
  await page.getByRole("heading", { name: "Painel" }).waitFor();
  // Leaves no request of the home page in flight to be cut off by closing it.
  await page.goto("about:blank");
  await page.close();
  watcher.assertClean();
  const api = async (method, path, data) => {
    const csrf = (await context.cookies()).find((c) => c.name === "masteria_csrf")?.value ?? "";
    const headers = { "X-CSRF-Token": csrf, "Content-Type": "application/json", Origin: baseURL };
    const res = await context.request.fetch(path, { method, headers, data });
    if (!res.ok()) throw new Error(`${method} ${path}: HTTP ${res.status()} ${await res.text()}`);
    return res.status() === 204 ? null : res.json();
  };
  return { api, get: (path) => api("GET", path), post: (path, data) => api("POST", path, data) };
}

/**
 * A tiny SMTP server that keeps every message in memory, so the email flows
 * (verification, password reset, invitations) can be followed by the tests.
 */
export async function startMailSink() {
  const { createServer: createTcpServer } = await import("node:net");
  const messages = [];
  const server = createTcpServer((socket) => {
    let buffer = "";
    let inData = false;
    let rcpt = [];
    const reply = (line) => socket.write(line + "\r\n");
    reply("220 mailsink ESMTP");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          messages.push({ to: rcpt, raw, text: decodeQuotedPrintable(raw) });
          rcpt = [];
          reply("250 OK queued");
          continue;
        }
        const nl = buffer.indexOf("\r\n");
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") reply("250 mailsink");
        else if (verb === "RCPT") {
          rcpt.push(line.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, "$1").toLowerCase());
          reply("250 OK");
        } else if (verb === "DATA") {
          inData = true;
          reply("354 End data with <CR><LF>.<CR><LF>");
        } else if (verb === "QUIT") {
          reply("221 Bye");
          socket.end();
          return;
        } else reply("250 OK");
      }
    });
    socket.on("error", () => {});
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    port,
    messages,
    env: { MASTERIA_SMTP_HOST: "127.0.0.1", MASTERIA_SMTP_PORT: String(port), MASTERIA_SMTP_TLS: "none" },
    /** Waits for a message to `to` whose text matches `pattern`, after the first `skip` messages. */
    async waitFor(to, pattern, skip = 0, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const m = messages.slice(skip).find((x) => x.to.includes(to.toLowerCase()) && pattern.test(x.text));
        if (m) return m;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no email to ${to} matching ${pattern}; got ${messages.length}: ${messages.map((x) => x.to).join(", ")}`);
    },
    close: () => new Promise((ok) => server.close(ok)),
  };
}

function decodeQuotedPrintable(raw) {
  return raw
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/** The first link in an email whose path is `path`, as path + query. */
export function linkIn(text, path) {
  const m = text.match(new RegExp(`https?://[^\\s"<>]*${path.replace("/", "\\/")}\\?token=[A-Za-z0-9_.~%-]+`));
  if (!m) throw new Error(`no ${path} link in:\n${text}`);
  const u = new URL(m[0]);
  return u.pathname + u.search;
}

/** Keeps the last screen of each test page in test-results/e2e/, to look at when a test fails. */
export async function saveLastScreen(page, testName) {
  const { mkdirSync: mk } = await import("node:fs");
  const dir = join(webDir, "test-results", "e2e");
  mk(dir, { recursive: true });
  const slug = testName.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 60);
  let n = 0;
  const { existsSync: ex } = await import("node:fs");
  while (ex(join(dir, `${slug}-${n}.png`))) n++;
  try {
    await page.screenshot({ path: join(dir, `${slug}-${n}.png`), fullPage: true });
  } catch {
    // The page may already be gone; the screenshot is only a help.
  }
}
