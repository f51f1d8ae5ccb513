// Saves PNGs of the main pages at desktop and phone sizes, in pt-BR and
// English, light and dark, into test-results/screenshots/. Not a test: run
// `npm run screenshots` and look at the pictures.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { CHROME_CONTEXT, launchBrowser, startServer, watch, webDir } from "./harness.mjs";

const out = join(webDir, "test-results", "screenshots");
// SCREENSHOTS_ONLY=regex limits the pictures to the names it matches (e.g. "connection|template").
const only = process.env.SCREENSHOTS_ONLY ? new RegExp(process.env.SCREENSHOTS_ONLY) : null;
const want = (name) => !only || only.test(name);
mkdirSync(out, { recursive: true });

/** A w×h PNG: a warm band over a cream background, enough to look like a menu picture. */
function picture(w, h) {
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) {
      const band = y > h * 0.3 && y < h * 0.7;
      const rgb = band ? [217 - Math.round((x / w) * 60), 119, 6] : [254, 243, 199];
      row.set(rgb, 1 + x * 3);
    }
    rows.push(row);
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
const menuPicture = picture(480, 270);

const sizes = { desktop: { width: 1366, height: 768 }, phone: { width: 390, height: 844 } };
const publicPages = { login: "/login", signup: "/signup", forgot: "/forgot-password" };
const appPages = {
  dashboard: "/",
  inbox: "/inbox",
  profile: "/settings/profile",
  company: "/settings/company",
  team: "/settings/team",
  invitations: "/settings/team?tab=invitations",
  "api-keys": "/settings/api-keys",
  audit: "/settings/audit",
  contacts: "/contacts",
  "contacts-none-found": "/contacts?q=ninguem-com-esse-nome",
  "contacts-import": "/contacts/import",
  segments: "/contacts/segments",
  "segment-new": "/contacts/segments/new",
  tags: "/settings/tags",
  fields: "/settings/fields",
};

const server = await startServer();
const chrome = await launchBrowser();
const problems = [];
try {
  const setup = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL });
  const page = await setup.newPage();
  await page.goto("/signup");
  await page.getByLabel("Nome da empresa").fill("Padaria Pão Quente");
  await page.getByLabel("Seu nome").fill("Ana Souza");
  await page.getByLabel("E-mail").fill("ana@padaria.example");
  await page.getByLabel("Senha").fill("senha-bem-longa-1");
  await page.getByRole("button", { name: "Criar conta" }).click();
  await page.waitForURL((u) => u.pathname === "/");
  const csrf = (await setup.cookies()).find((c) => c.name === "masteria_csrf")?.value ?? "";
  const headers = { "X-CSRF-Token": csrf, "Content-Type": "application/json", Origin: server.baseURL };
  for (const [path, data] of [
    ["/api/v1/invitations", { email: "bruno@padaria.example", role: "agent" }],
    ["/api/v1/invitations", { email: "carla@padaria.example", role: "admin" }],
    ["/api/v1/api-keys", { name: "Site da padaria" }],
  ]) {
    const res = await setup.request.post(path, { headers, data });
    if (!res.ok()) throw new Error(`seeding ${path}: HTTP ${res.status()} ${await res.text()}`);
  }
  // The contacts, connections and conversations pages before there are any, at both sizes.
  for (const [sizeName, viewport] of Object.entries(sizes)) {
    await page.setViewportSize(viewport);
    for (const [name, path, text] of [
      ["contacts-empty", "/contacts", "Nenhum contato ainda"],
      ["connections-empty", "/connections", "Nenhuma conexão ainda"],
      ["inbox-empty", "/inbox", "Nenhuma conexão ainda"],
      ["templates-empty", "/templates", "Nenhuma conexão ainda"],
      ["campaigns-empty", "/campaigns", "Nenhuma campanha ainda"],
      ["dashboard-empty", "/", "Nenhuma conexão ainda"],
    ]) {
      if (!want(name)) continue;
      await page.goto(path);
      await page.getByText(text).first().waitFor();
      await page.waitForLoadState("networkidle");
      await page.screenshot({ path: join(out, `${sizeName}-pt-BR-light-${name}.png`), fullPage: true });
    }
  }

  // Contacts: custom fields, tags, a hundred people, two segments and an import.
  const post = async (path, data) => {
    const res = await setup.request.post(path, { headers, data });
    if (!res.ok()) throw new Error(`seeding ${path}: HTTP ${res.status()} ${await res.text()}`);
    return res.json();
  };
  await post("/api/v1/fields", { key: "cidade", label: "Cidade", type: "text", choices: [] });
  await post("/api/v1/fields", { key: "plano", label: "Plano", type: "choice", choices: ["Básico", "Completo"] });
  const clientes = await post("/api/v1/tags", { name: "clientes", color: "#16a34a" });
  const atacado = await post("/api/v1/tags", { name: "atacado", color: "#2563eb" });
  await post("/api/v1/tags", { name: "encomendas", color: "#db2777" });
  const first = ["Ana", "Bruno", "Carla", "Diego", "Elisa", "Fábio", "Gabi", "Hugo", "Íris", "João"];
  const last = ["Souza", "Lima", "Oliveira", "Pereira", "Costa", "Almeida", "Ribeiro", "Martins"];
  const cities = ["Recife", "Olinda", "São Paulo", "Campinas"];
  let someId = "";
  for (let i = 0; i < 120; i++) {
    const c = await post("/api/v1/contacts", {
      phone: `+55119${String(80000000 + i * 7919).slice(0, 8)}`,
      name: `${first[i % first.length]} ${last[(i * 3) % last.length]}`,
      email: i % 3 ? `cliente${i}@exemplo.com.br` : "",
      language: "pt-BR",
      fields: { cidade: cities[i % cities.length], plano: i % 2 ? "Básico" : "Completo" },
      tags: i % 4 === 0 ? ["clientes", "atacado"] : i % 3 === 0 ? ["clientes"] : [],
      notes: "",
    });
    if (!someId) someId = c.id;
  }
  await post(`/api/v1/contacts/${someId}/consent`, { action: "opt_in", source: "form", wording: "Quero receber as promoções da padaria pelo WhatsApp.", channel: "site" });
  await post(`/api/v1/contacts/${someId}/consent`, { action: "opt_out", source: "agent", reason: "Pediu no balcão para não receber mais." });
  // Campaigns: the retail customers invited to a tasting gave their opt-in.
  const degustacao = await post("/api/v1/tags", { name: "degustação", color: "#d97706" });
  const retail = (await (await setup.request.get(`/api/v1/contacts?tag=${clientes.id}&limit=200`)).json()).data
    .filter((c) => !c.tags.some((t) => t.id === atacado.id))
    .map((c) => c.id);
  await post("/api/v1/contacts/bulk", { contact_ids: retail, add_tags: [degustacao.id] });
  for (const id of retail) {
    await post(`/api/v1/contacts/${id}/consent`, { action: "opt_in", source: "form", wording: "Quero receber ofertas.", channel: "site" });
  }
  await post("/api/v1/segments", { name: "Clientes de Recife", filter: { tags: { any: [clientes.id] }, fields: [{ key: "cidade", op: "equals", value: "Recife" }] } });
  await post("/api/v1/segments", { name: "Atacado sem consentimento", filter: { tags: { all: [atacado.id] }, consent: "unknown" } });
  // Messaging: a WhatsApp Cloud number, a Simulator with two customers, templates.
  const cloud = await post("/api/v1/connections", {
    type: "whatsapp_cloud",
    name: "Loja Centro",
    config: { phone_number_id: "109876543210987", waba_id: "209876543210987", access_token: "EAAG-exemplo", app_secret: "segredo" },
  });
  const sim = await post("/api/v1/connections", { type: "simulator", name: "Simulador de testes", config: { delivery_delay_ms: 500 } });
  await post(`/api/v1/connections/${sim.id}/test`, {});
  for (const m of [
    { from: "+5581998761234", name: "Luana Reis", text: "Bom dia! Vocês têm pão sem glúten hoje?" },
    { from: "+5581998761234", name: "Luana Reis", text: "Queria encomendar dois para amanhã cedo." },
    { from: "+5581998761234", name: "Luana Reis", text: "Vou buscar", button_payload: "confirmar" },
    { from: "+5581998761234", name: "Luana Reis", text: "Foto do pedido", media_url: "http://127.0.0.1:1/pedido.jpg" },
    { from: "+5511987650000", name: "Marcos Dias", text: "Qual o horário de domingo?" },
  ]) {
    await post(`/api/v1/connections/${sim.id}/simulate`, m);
  }
  const tpl = await post(`/api/v1/connections/${sim.id}/templates`, {
    name: "pedido_pronto",
    language: "pt_BR",
    category: "UTILITY",
    components: [
      { type: "HEADER", format: "TEXT", text: "Pedido {{1}}", example: { header_text: ["#1042"] } },
      { type: "BODY", text: "Olá {{1}}, seu pedido está *pronto* para retirada até as {{2}}.", example: { body_text: [["Luana", "18h"]] } },
      { type: "FOOTER", text: "Padaria Pão Quente" },
      { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Vou buscar" }, { type: "URL", text: "Ver pedido", url: "https://padaria.example/p/{{1}}", example: ["https://padaria.example/p/1042"] }] },
    ],
  });
  await post(`/api/v1/connections/${sim.id}/templates`, {
    name: "cardapio_semana",
    language: "pt_BR",
    category: "MARKETING",
    components: [
      { type: "HEADER", format: "IMAGE", example: { header_handle: ["sim:image/png:1"] } },
      { type: "BODY", text: "Olá {{1}}! Este é o cardápio da semana da Pão Quente.", example: { body_text: [["Luana"]] } },
    ],
  });
  await post(`/api/v1/connections/${sim.id}/templates`, {
    name: "promocao_fim_de_semana",
    language: "pt_BR",
    category: "MARKETING",
    components: [{ type: "BODY", text: "REJECT: pão em dobro no sábado!" }],
  });
  await new Promise((r) => setTimeout(r, 4000)); // the Simulator's review and the inbound worker
  // Campaigns: one finished, one paused half-way, one draft with a template.
  await post(`/api/v1/connections/${sim.id}/templates`, {
    name: "oferta_da_semana",
    language: "pt_BR",
    category: "MARKETING",
    components: [{ type: "BODY", text: "Olá {{1}}! Esta semana tem {{2}} na Pão Quente. Responda SAIR para não receber mais.", example: { body_text: [["Ana", "pão de queijo em dobro"]] } }],
  });
  const done = await post("/api/v1/campaigns", {
    name: "Pão de queijo em dobro",
    connection_ids: [sim.id],
    audience: { tags: [degustacao.id] },
    message: { type: "text", text: "Olá {{first_name}}! Hoje tem pão de queijo em dobro até as 18h.", variations: ["Oi {{first_name}}, hoje o pão de queijo vem em dobro!"] },
  });
  await post(`/api/v1/campaigns/${done.id}/start`, {});
  const paused = await post("/api/v1/campaigns", {
    name: "Encomendas de Natal",
    connection_ids: [sim.id],
    audience: { tags: [clientes.id] },
    rate_per_second: 1,
    message: { type: "text", text: "{{first_name}}, as encomendas de Natal estão abertas!" },
  });
  await post(`/api/v1/campaigns/${paused.id}/start`, {});
  await new Promise((r) => setTimeout(r, 3000));
  await post(`/api/v1/campaigns/${paused.id}/pause`, {});
  await new Promise((r) => setTimeout(r, 4000)); // the Simulator's review of the new template
  // The number imitates a small Meta messaging limit, so the wizard's review shows admission control.
  const patched = await setup.request.patch(`/api/v1/connections/${sim.id}`, { headers, data: { config: { messaging_limit: 60 } } });
  if (!patched.ok()) throw new Error(`messaging limit: HTTP ${patched.status()} ${await patched.text()}`);
  const draft = await post("/api/v1/campaigns", {
    name: "Oferta da semana",
    connection_ids: [sim.id],
    audience: { tags: [clientes.id], segment_ids: [] },
    message: { type: "template", template: { name: "oferta_da_semana", language: "pt_BR", variables: { 1: { field: "first_name" }, 2: { value: "pão de queijo em dobro" } } } },
    schedule: { window: { days: [1, 2, 3, 4, 5, 6], start: "08:00", end: "19:00" } },
    pacing: { delay_min_seconds: 5, delay_max_seconds: 20, daily_cap: 200 },
  });
  for (let i = 0; i < 100; i++) {
    const c = await (await setup.request.get(`/api/v1/campaigns/${done.id}`)).json();
    if (c.status === "completed") break;
    await new Promise((r) => setTimeout(r, 300));
  }
  // A few customers answer the finished campaign.
  const readers = (await (await setup.request.get(`/api/v1/campaigns/${done.id}/recipients?status=read&limit=4`)).json()).data;
  for (const r of readers) await post(`/api/v1/connections/${sim.id}/simulate`, { from: r.phone, text: "Quero! Separa dois para mim." });
  await new Promise((r) => setTimeout(r, 1500));
  const convList = await (await setup.request.get(`/api/v1/conversations?connection_id=${sim.id}`)).json();
  const conv = convList.data.find((c) => c.contact.name === "Luana Reis");
  // The inbox: Luana's conversation is Ana's, with labels, a team, a reply, a note and a message for later.
  const me = await (await setup.request.get("/api/v1/me")).json();
  const patch = async (path, data) => {
    const res = await setup.request.patch(path, { headers, data });
    if (!res.ok()) throw new Error(`seeding ${path}: HTTP ${res.status()} ${await res.text()}`);
    return res.json();
  };
  const vip = await post("/api/v1/labels", { name: "vip", color: "#9333ea" });
  const encomenda = await post("/api/v1/labels", { name: "encomenda", color: "#ea580c" });
  await post("/api/v1/labels", { name: "reclamação", color: "#b91c1c" });
  const balcao = await post("/api/v1/teams", { name: "Balcão", auto_assign: false, member_ids: [me.user.id] });
  await post("/api/v1/teams", { name: "Entregas", auto_assign: true, member_ids: [] });
  await patch("/api/v1/company", { closing_reasons: ["Venda feita", "Dúvida resolvida", "Sem resposta do cliente"], closing_reason_required: true });
  await post("/api/v1/canned-responses", { shortcut: "horario", text: "Olá {{contact.first_name}}! Abrimos de segunda a sábado, das 6h às 20h." });
  await post("/api/v1/canned-responses", { shortcut: "sem-gluten", text: "Temos pão sem glúten às terças e sextas, {{contact.first_name}}." });
  await patch(`/api/v1/conversations/${conv.id}`, { assignee_id: me.user.id, team_id: balcao.id, label_ids: [vip.id, encomenda.id] });
  await post(`/api/v1/conversations/${conv.id}/messages`, { type: "text", text: "Bom dia, Luana! Temos sim, saem às 7h. Separo dois para você?" });
  await post(`/api/v1/conversations/${conv.id}/messages`, { type: "note", text: "Cliente fiel: costuma buscar às 7h30. Deixar embalado." });
  // A template whose header is a picture the agent attached.
  const attached = await setup.request.post(`/api/v1/conversations/${conv.id}/attachments`, {
    headers: { "X-CSRF-Token": csrf, Origin: server.baseURL },
    multipart: {
      file: { name: "cardapio.png", mimeType: "image/png", buffer: menuPicture },
      template: JSON.stringify({ name: "cardapio_semana", language: "pt_BR", body: [{ value: "Luana" }] }),
    },
  });
  if (!attached.ok()) throw new Error(`seeding the template with a picture: HTTP ${attached.status()} ${await attached.text()}`);
  await post(`/api/v1/conversations/${conv.id}/messages`, {
    type: "text",
    text: "Luana, seus pães sem glúten estão prontos! 🍞",
    send_at: new Date(Date.now() + 20 * 3_600_000).toISOString(),
  });
  await new Promise((r) => setTimeout(r, 2000)); // the Simulator's ticks
  Object.assign(appPages, {
    connections: "/connections",
    "connection-cloud": `/connections/${cloud.id}`,
    "connection-simulator": `/connections/${sim.id}`,
    simulator: `/connections/${sim.id}/simulator?phone=%2B5581998761234&name=Luana+Reis`,
    "simulator-choose": `/connections/${sim.id}/simulator`,
    templates: `/templates?connection=${sim.id}`,
    "template-new": `/templates/new?connection=${sim.id}`,
    "template-edit": `/templates/${tpl.id}/edit?connection=${sim.id}`,
    "webhook-events": "/connections/webhook-events",
    "webhook-events-all": "/connections/webhook-events?status=all",
    "inbox-conversation": `/inbox/${conv?.id ?? ""}`,
    campaigns: "/campaigns",
    "dashboard-30-days": "/?period=30",
    "dashboard-simulator": `/?period=custom&from=2026-01-01&to=2026-12-31&connection=${sim.id}`,
    "campaign-new": "/campaigns/new",
    "campaign-detail": `/campaigns/${done.id}`,
    "campaign-paused": `/campaigns/${paused.id}`,
    "inbox-queue": "/inbox?tab=unassigned",
    "inbox-all": "/inbox?tab=all&status=all",
    teams: "/settings/teams",
    labels: "/settings/labels",
    canned: "/settings/canned",
  });
  const state = await setup.storageState();
  await setup.close();

  for (const [sizeName, viewport] of Object.entries(sizes)) {
    for (const lang of ["pt-BR", "en"]) {
      for (const theme of ["light", "dark"]) {
        for (const [loggedIn, pages] of [[false, publicPages], [true, appPages]]) {
          const ctx = await chrome.browser.newContext({
            ...CHROME_CONTEXT,
            baseURL: server.baseURL,
            viewport,
            storageState: loggedIn ? state : undefined,
          });
          await ctx.addInitScript(
            ([l, th]) => {
              localStorage.setItem("masteria.lang", l);
              localStorage.setItem("masteria.theme", th);
            },
            [lang, theme],
          );
          const p = await ctx.newPage();
          const w = watch(p);
          for (const [name, path] of Object.entries(pages)) {
            if (!want(name)) continue;
            await p.goto(path);
            await p.waitForLoadState("networkidle");
            await p.screenshot({ path: join(out, `${sizeName}-${lang}-${theme}-${name}.png`), fullPage: true });
          }
          const shot = (name) => p.screenshot({ path: join(out, `${sizeName}-${lang}-${theme}-${name}.png`) });
          if (!loggedIn && want("login-error")) {
            w.allow("POST", /^\/api\/v1\/auth\/login$/, 401);
            await p.goto("/login");
            await p.locator("input[type=email]").fill("ana@padaria.example");
            await p.locator("input[type=password]").fill("senha-errada-123");
            await p.locator("button[type=submit]").click();
            await p.getByRole("alert").waitFor();
            await shot("login-error");
          }
          if (loggedIn && want("api-key-dialog")) {
            await p.goto("/settings/api-keys");
            await p.getByTestId("api-key-row").first().waitFor();
            await p.locator("main button").first().click();
            await p.getByRole("dialog").waitFor();
            await shot("api-key-dialog");
            await p.keyboard.press("Escape");
          }
          if (loggedIn && want("connection-form")) {
            await p.goto("/connections");
            await p.locator("main").getByRole("button", { name: /Nova conexão|New connection/ }).click();
            await p.getByRole("dialog").waitFor();
            await shot("connection-form");
            await p.keyboard.press("Escape");
          }
          if (loggedIn && want("template-preview")) {
            await p.goto(appPages.templates);
            await p.getByTestId("template-row").first().getByRole("button", { name: /^(Ver|View)$/ }).click();
            await p.getByTestId("template-preview").waitFor();
            await p.screenshot({ path: join(out, `${sizeName}-${lang}-${theme}-template-preview.png`), fullPage: true });
          }
          if (loggedIn && want("contacts-selected")) {
            await p.goto("/contacts");
            await p.getByTestId("contact-row").first().waitFor();
            await p.getByTestId("contact-row").nth(1).getByRole("checkbox").check();
            await p.getByTestId("contact-row").nth(2).getByRole("checkbox").check();
            await shot("contacts-selected");
            await p.goto(`/contacts?contact=${someId}`);
            await p.getByTestId("consent-history").waitFor();
            await p.waitForLoadState("networkidle");
            await shot("contact-panel");
            await p.goto("/contacts");
            await p.locator("main").getByRole("button", { name: /Adicionar contato|Add contact/ }).first().click();
            await p.getByRole("dialog").waitFor();
            await p.waitForLoadState("networkidle");
            await shot("contact-form");
            await p.keyboard.press("Escape");
            const csv = join(out, "..", "screenshot-import.csv");
            writeFileSync(csv, "Nome;Telefone;E-mail;Cidade\nLuana Reis;(81) 99876-1234;luana@exemplo.com;Recife\nMarcos Dias;(81) 98765-0000;;Olinda\nSem número;12;;Recife\n");
            await p.goto("/contacts/import");
            await p.locator("input[type=file]").setInputFiles(csv);
            await p.locator("main form button[type=submit]").click();
            await p.getByTestId("import-mapping").waitFor();
            await p.waitForLoadState("networkidle");
            await p.screenshot({ path: join(out, `${sizeName}-${lang}-${theme}-import-mapping.png`), fullPage: true });
            await p.locator("main form button[type=submit]").click();
            await p.getByTestId("import-report").waitFor({ timeout: 30_000 });
            await p.waitForLoadState("networkidle");
            await p.screenshot({ path: join(out, `${sizeName}-${lang}-${theme}-import-report.png`), fullPage: true });
            await p.goto("/contacts/segments");
            await p.getByTestId("segment-row").first().getByRole("link").first().click();
            await p.getByTestId("segment-count").getByText(/\d/).waitFor();
            await p.screenshot({ path: join(out, `${sizeName}-${lang}-${theme}-segment-edit.png`), fullPage: true });
          }
          if (loggedIn && want("campaign-wizard")) {
            await p.goto(`/campaigns/${draft.id}/edit`);
            const steps = p.getByRole("navigation", { name: /Passos da campanha|Campaign steps/ }).getByRole("button");
            for (const [i, name] of [[1, "audience"], [2, "message"], [3, "schedule"], [4, "speed"], [5, "review"]]) {
              await steps.nth(i).click();
              if (name === "audience") await p.getByTestId("audience-count").getByText(/\d/).first().waitFor();
              if (name === "message") await p.getByTestId("template-preview").waitFor();
              await p.waitForLoadState("networkidle");
              await p.screenshot({ path: join(out, `${sizeName}-${lang}-${theme}-campaign-wizard-${name}.png`), fullPage: true });
            }
          }
          if (loggedIn && want("inbox-resolve")) {
            await p.goto(appPages["inbox-conversation"]);
            await p.getByTestId("resolve").click();
            await p.getByRole("dialog").waitFor();
            await shot("inbox-resolve");
            await p.keyboard.press("Escape");
          }
          if (loggedIn && want("inbox-canned")) {
            await p.goto(appPages["inbox-conversation"]);
            await p.getByTestId("composer-text").click();
            await p.getByTestId("composer-text").pressSequentially("/");
            await p.getByTestId("canned-menu").getByRole("option").first().waitFor();
            await shot("inbox-canned");
          }
          if (loggedIn && want("inbox-templates")) {
            await p.goto(appPages["inbox-conversation"]);
            await p.getByTestId("composer").getByRole("button", { name: /Enviar modelo|Send a template/ }).click();
            await p.getByTestId("template-picker").waitFor();
            await shot("inbox-templates");
            await p.keyboard.press("Escape");
          }
          if (loggedIn && want("inbox-template-header")) {
            // The picker for a template whose header is a picture: first sent without it, then with it.
            await p.goto(appPages["inbox-conversation"]);
            await p.getByTestId("composer").getByRole("button", { name: /Enviar modelo|Send a template/ }).click();
            const picker = p.getByTestId("template-picker");
            await picker.locator("select").first().selectOption({ label: "cardapio_semana (pt_BR)" });
            await picker.getByTestId("header-media").waitFor();
            await picker.locator("button[type=submit]").click();
            await picker.getByTestId("header-media").getByRole("alert").waitFor();
            await shot("inbox-template-header-error");
            await picker.getByLabel(/Valor de 1|Value of 1/).fill("Luana");
            await picker.getByTestId("header-file-input").setInputFiles({ name: "cardapio-da-semana.png", mimeType: "image/png", buffer: menuPicture });
            await p.getByTestId("preview-header-image").waitFor();
            await p.waitForFunction(() => document.querySelector("[data-testid=preview-header-image]")?.complete);
            await shot("inbox-template-header");
            await picker.getByRole("radio", { name: /Usar um link|Use a link/ }).click();
            await picker.getByTestId("header-media").locator("input[type=url]").fill("cardapio.png");
            await picker.locator("button[type=submit]").click();
            await shot("inbox-template-header-link");
            await p.keyboard.press("Escape");
          }
          // The 24-hour window belongs to WhatsApp Cloud; the Simulator's conversation plays one here.
          for (const [name, offset] of [["inbox-window-open", 5 * 3_600_000 + 17 * 60_000], ["inbox-window-closed", -3_600_000]]) {
            if (!loggedIn || !want(name)) continue;
            const route = new RegExp(`/api/v1/conversations/${conv.id}$`);
            await p.route(route, async (r) => {
              const res = await r.fetch();
              const body = await res.json();
              await r.fulfill({ response: res, json: { ...body, window_closes_at: new Date(Date.now() + offset).toISOString() } });
            });
            await p.goto(appPages["inbox-conversation"]);
            await p.getByTestId("window-countdown").waitFor();
            await p.waitForLoadState("networkidle");
            await shot(name);
            await p.unroute(route);
            await p.waitForLoadState("networkidle");
          }
          if (loggedIn && sizeName === "phone" && want("inbox-contact")) {
            await p.goto(appPages["inbox-conversation"]);
            await p.getByTestId("conversation").getByRole("button", { name: /Mostrar ou esconder|Show or hide/ }).click();
            await p.getByTestId("inbox-contact").waitFor();
            await p.waitForLoadState("networkidle");
            await shot("inbox-contact");
          }
          if (loggedIn && sizeName === "desktop" && want("company-switcher")) {
            await p.goto("/");
            await p.getByTestId("company-switcher").click();
            await p.getByRole("menu").waitFor();
            await shot("company-switcher");
            await p.keyboard.press("Escape");
          }
          if (loggedIn && sizeName === "phone" && want("menu")) {
            await p.goto("/");
            await p.getByTestId("menu-button").click();
            await p.getByTestId("mobile-sidebar").waitFor();
            await p.screenshot({ path: join(out, `${sizeName}-${lang}-${theme}-menu.png`) });
          }
          problems.push(...w.problems.map((x) => `${sizeName}/${lang}/${theme}: ${x}`));
          await ctx.close();
        }
      }
    }
  }
} finally {
  await chrome.close();
  await server.stop();
}
console.log(`screenshots saved in ${out}`);
if (problems.length) {
  console.error(`browser problems:\n  ${problems.join("\n  ")}`);
  process.exitCode = 1;
}
