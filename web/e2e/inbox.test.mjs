// End-to-end tests of the shared inbox against the real server binary and
// the Simulator: live messages and ticks, notes, canned responses, taking
// the queue, and resolving with a closing reason. Run with `npm run e2e`.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CHROME_CONTEXT, launchBrowser, saveLastScreen, startServer, watch, signUp } from "./harness.mjs";

const OWNER = {
  company: "Confeitaria Dona Rosa",
  name: "Rosa Lima",
  email: "rosa@confeitaria.example",
  password: "senha-bem-longa-7",
};
const CARLA = { from: "+5511977771234", name: "Carla Mendes" };
const DIEGO = { from: "+5521988882345", name: "Diego Prado" };
const ELIS = { from: "+5531977773456", name: "Elis Rocha" };
const FABIO = { from: "+5541966664567", name: "Fábio Lins" };

let server;
let chrome;
let context;
let sim;

async function openPage(t) {
  const page = await context.newPage();
  const watcher = watch(page);
  t.after(async () => {
    await saveLastScreen(page, `inbox ${t.name}`);
    await page.close();
    watcher.assertClean();
  });
  return { page, watcher };
}

let api;

/** What a customer types on the Simulator's phone. */
const customerSays = (who, text) => api("POST", `/api/v1/connections/${sim.id}/simulate`, { ...who, text });

describe("Inbox", () => {
  before(async () => {
    server = await startServer();
    chrome = await launchBrowser();
    context = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL, viewport: { width: 1366, height: 768 } });
    ({ api } = await signUp(context, server.baseURL, OWNER));
    // Slow enough deliveries to see each tick on its own.
    sim = await api("POST", "/api/v1/connections", { type: "simulator", name: "Simulador da confeitaria", config: { delivery_delay_ms: 1500 } });
  });

  after(async () => {
    await context?.close();
    await chrome?.close();
    await server?.stop();
  });

  it("shows a new message live, and the reply's ticks go sent, delivered, read", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/inbox?tab=all");
    await page.getByText("Nenhuma conversa ainda").waitFor();
    await page.getByRole("link", { name: "Mandar uma mensagem pelo Simulador" }).waitFor();

    // A customer writes: the conversation shows up without a reload, unread.
    await customerSays(CARLA, "Oi! Vocês fazem bolo de pote?");
    const row = page.getByTestId("conversation-row").filter({ hasText: CARLA.name });
    await row.getByTestId("preview").getByText("Oi! Vocês fazem bolo de pote?").waitFor({ timeout: 15_000 });
    await row.getByTestId("unread").getByText("1").waitFor();
    await page.getByTestId("tab-all").getByTestId("tab-count").getByText("1").waitFor();

    // Opened, it is read; the next message arrives in the open timeline.
    await row.click();
    await page.waitForURL(/\/inbox\/[A-Za-z0-9-]+/);
    const timeline = page.getByTestId("timeline");
    await timeline.getByText("Oi! Vocês fazem bolo de pote?").waitFor();
    assert.match((await page.getByTestId("protocol").textContent()) ?? "", /^#\d{8}-\d+$/);
    await row.getByTestId("unread").waitFor({ state: "detached" });
    await customerSays(CARLA, "De chocolate, de preferência 🍫");
    await timeline.getByText("De chocolate, de preferência 🍫").waitFor({ timeout: 15_000 });

    // The reply leaves and its ticks follow the Simulator's reports live.
    await page.getByTestId("composer-text").fill("Fazemos sim! Temos de chocolate e de ninho.");
    await page.getByRole("button", { name: "Enviar", exact: true }).click();
    const reply = timeline.getByTestId("bubble").filter({ hasText: "Fazemos sim! Temos de chocolate e de ninho." });
    await reply.waitFor();
    assert.equal(await reply.getAttribute("data-direction"), "outbound");
    for (const status of ["sent", "delivered", "read"]) {
      await reply.locator(`[data-testid=ticks][data-status=${status}]`).waitFor({ timeout: 15_000 });
    }
    assert.equal(await page.getByTestId("composer-text").inputValue(), "");
  });

  it("keeps an internal note in yellow, apart from the messages", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/inbox?tab=all");
    await page.getByTestId("conversation-row").filter({ hasText: CARLA.name }).click();
    await page.getByTestId("note-toggle").click();
    await page.getByTestId("composer-text").fill("Cliente prefere retirar na loja à tarde.");
    await page.getByRole("button", { name: "Salvar nota" }).click();
    const note = page.getByTestId("note").filter({ hasText: "Cliente prefere retirar na loja à tarde." });
    await note.waitFor();
    await note.getByText(`Nota interna · ${OWNER.name}`).waitFor();
    // A note has no ticks: it never leaves.
    assert.equal(await note.locator("[data-testid=ticks]").count(), 0);
  });

  it("answers quoting a message, and reacts to one", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/inbox?tab=all");
    await page.getByTestId("conversation-row").filter({ hasText: CARLA.name }).click();
    const asked = page.locator("[data-testid=bubble][data-direction=inbound]").filter({ hasText: "De chocolate, de preferência" });
    await asked.hover();
    await asked.getByRole("button", { name: "Responder citando" }).click();
    await page.getByTestId("replying-to").getByText("De chocolate, de preferência").waitFor();
    await page.getByTestId("composer-text").fill("Perfeito, separo um de chocolate.");
    await page.getByTestId("composer-text").press("Enter");
    const answer = page.getByTestId("bubble").filter({ hasText: "Perfeito, separo um de chocolate." });
    await answer.getByTestId("quoted").getByText("De chocolate, de preferência").waitFor();
    assert.equal(await page.getByTestId("replying-to").count(), 0);

    await asked.hover();
    await asked.getByRole("button", { name: "Reagir" }).click();
    await page.getByRole("menuitem", { name: "❤️" }).click();
    await asked.getByTestId("reactions").getByText("❤️").waitFor();
  });

  it("inserts a canned response typed after a slash, with the contact's name filled in", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/settings/canned");
    await page.getByLabel("Atalho").fill("horario");
    await page.getByLabel("Texto", { exact: true }).fill("Olá {{contact.first_name}}! Abrimos de segunda a sábado, das 8h às 18h.");
    await page.getByRole("button", { name: "Criar resposta" }).click();
    await page.getByTestId("canned-row").filter({ hasText: "/horario" }).waitFor();

    await page.goto("/inbox?tab=all");
    await page.getByTestId("conversation-row").filter({ hasText: CARLA.name }).click();
    const box = page.getByTestId("composer-text");
    await box.click();
    await box.pressSequentially("/hor");
    const menu = page.getByTestId("canned-menu");
    await menu.getByText("Olá Carla! Abrimos de segunda a sábado, das 8h às 18h.").waitFor();
    await box.press("Enter");
    assert.equal(await box.inputValue(), "Olá Carla! Abrimos de segunda a sábado, das 8h às 18h.");
    await box.press("Enter");
    await page.getByTestId("timeline").getByTestId("bubble").filter({ hasText: "Olá Carla! Abrimos de segunda a sábado" }).waitFor();
  });

  it("takes the next conversation from the queue, and says so when the queue is empty", async (t) => {
    const { page, watcher } = await openPage(t);
    await customerSays(DIEGO, "Boa tarde, quanto custa o bolo de aniversário?");
    await page.goto("/inbox?tab=unassigned");
    await page.getByTestId("conversation-row").filter({ hasText: DIEGO.name }).waitFor({ timeout: 15_000 });
    // Whatever waits longest comes first; take until the queue is empty.
    watcher.allow("POST", /^\/api\/v1\/conversations\/take$/, 404);
    for (let i = 0; i < 5; i++) {
      await page.getByTestId("take-next").click();
      const outcome = await Promise.race([
        page.waitForURL(/\/inbox\/[A-Za-z0-9-]+/).then(() => "taken"),
        page.getByText("A fila está vazia").waitFor().then(() => "empty"),
      ]);
      if (outcome === "empty") break;
      await page.getByTestId("assignee-picker").getByText(OWNER.name).waitFor();
      await page.goto("/inbox?tab=unassigned");
    }
    await page.getByText("A fila está vazia").first().waitFor();
    await page.goto("/inbox");
    await page.getByTestId("conversation-row").filter({ hasText: DIEGO.name }).waitFor();
  });

  it("sends a picture with upload progress, and explains a file that is too large", async (t) => {
    const { page, watcher } = await openPage(t);
    await page.goto("/inbox?tab=all");
    await page.getByTestId("conversation-row").filter({ hasText: CARLA.name }).click();
    // A 1×1 PNG is enough for the Simulator.
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=", "base64");
    await page.getByTestId("attach-input").setInputFiles({ name: "bolo-de-pote.png", mimeType: "image/png", buffer: png });
    const picture = page.getByTestId("timeline").locator("[data-testid=bubble][data-type=image]");
    await picture.locator("img").waitFor({ timeout: 15_000 });
    await picture.locator("[data-testid=ticks][data-status=read]").waitFor({ timeout: 15_000 });

    // Over WhatsApp's 5 MB for images: the reason is said in plain words.
    watcher.allow("POST", /^\/api\/v1\/conversations\/[^/]+\/attachments$/, 413);
    const big = Buffer.concat([png, Buffer.alloc(5.5 * 1024 * 1024)]);
    await page.getByTestId("attach-input").setInputFiles({ name: "foto-grande.png", mimeType: "image/png", buffer: big });
    await page.getByTestId("upload").filter({ hasText: "foto-grande.png" }).getByText("O arquivo é grande demais para o WhatsApp").waitFor({ timeout: 15_000 });
  });

  it("schedules a message for later, changes it and cancels it", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/inbox?tab=all");
    await page.getByTestId("conversation-row").filter({ hasText: CARLA.name }).click();
    await page.getByRole("button", { name: "Enviar mais tarde" }).click();
    const dialog = page.getByRole("dialog", { name: "Enviar mais tarde" });
    await dialog.getByRole("button", { name: "Usar este horário" }).click();
    await page.getByTestId("send-at").waitFor();
    await page.getByTestId("composer-text").fill("Seu bolo de pote fica pronto amanhã cedo!");
    await page.getByRole("button", { name: "Agendar", exact: true }).click();
    const scheduled = page.getByTestId("bubble").filter({ has: page.getByTestId("scheduled") });
    await scheduled.getByText("Seu bolo de pote fica pronto amanhã cedo!").waitFor();
    await scheduled.getByText(/Agendada para \d{2}\/\d{2}\/\d{4}/).waitFor();
    // The time is cleared once used: the next message goes now.
    assert.equal(await page.getByTestId("send-at").count(), 0);

    await scheduled.getByRole("button", { name: "Editar" }).click();
    const edit = page.getByRole("dialog", { name: "Mudar a mensagem agendada" });
    await edit.getByLabel("Mensagem").fill("Seu bolo de pote fica pronto amanhã às 9h!");
    await edit.getByRole("button", { name: "Salvar" }).click();
    await scheduled.getByText("Seu bolo de pote fica pronto amanhã às 9h!").waitFor();

    await scheduled.getByRole("button", { name: "Cancelar envio" }).click();
    await page.getByRole("dialog", { name: "Cancelar esta mensagem?" }).getByRole("button", { name: "Cancelar envio" }).click();
    await scheduled.waitFor({ state: "detached" });
  });

  it("sends an approved template with its variables filled in and previewed", async (t) => {
    const { page } = await openPage(t);
    await api("POST", `/api/v1/connections/${sim.id}/templates`, {
      name: "pedido_pronto",
      language: "pt_BR",
      category: "UTILITY",
      components: [{ type: "BODY", text: "Olá {{1}}, seu pedido {{2}} está pronto.", example: { body_text: [["Ana", "#1"]] } }],
    });
    // The Simulator approves templates on its own, after a moment.
    for (let i = 0; i < 50; i++) {
      const list = await api("GET", `/api/v1/connections/${sim.id}/templates`);
      if (list.data.some((x) => x.name === "pedido_pronto" && x.status === "APPROVED")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await page.goto("/inbox?tab=all");
    await page.getByTestId("conversation-row").filter({ hasText: CARLA.name }).click();
    await page.getByTestId("composer").getByRole("button", { name: "Enviar modelo" }).click();
    const picker = page.getByTestId("template-picker");
    await picker.getByLabel("Valor de 1").fill("Carla");
    await picker.getByLabel("Valor de 2").fill("#7");
    await page.getByTestId("template-preview").getByText("Olá Carla, seu pedido #7 está pronto.").waitFor();
    await picker.getByRole("button", { name: "Enviar modelo" }).click();
    const sent = page.getByTestId("timeline").locator("[data-testid=bubble][data-type=template]");
    await sent.getByText("Olá Carla, seu pedido #7 está pronto.").waitFor();
    await sent.locator("[data-testid=ticks][data-status=read]").waitFor({ timeout: 15_000 });
  });

  it("sends a template whose header is a picture the agent attaches", async (t) => {
    const { page } = await openPage(t);
    await api("POST", `/api/v1/connections/${sim.id}/templates`, {
      name: "cardapio_semana",
      language: "pt_BR",
      category: "MARKETING",
      components: [
        { type: "HEADER", format: "IMAGE", example: { header_handle: ["sim:image/png:68"] } },
        { type: "BODY", text: "Olá {{1}}! Este é o cardápio da semana.", example: { body_text: [["Ana"]] } },
      ],
    });
    for (let i = 0; i < 50; i++) {
      const list = await api("GET", `/api/v1/connections/${sim.id}/templates`);
      if (list.data.some((x) => x.name === "cardapio_semana" && x.status === "APPROVED")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await page.goto("/inbox?tab=all");
    await page.getByTestId("conversation-row").filter({ hasText: CARLA.name }).click();
    await page.getByTestId("composer").getByRole("button", { name: "Enviar modelo" }).click();
    const picker = page.getByTestId("template-picker");
    await picker.getByLabel("Modelo").selectOption({ label: "cardapio_semana (pt_BR)" });
    const header = picker.getByTestId("header-media");
    await header.getByText("Imagem do cabeçalho").waitFor();
    await header.getByText("JPG ou PNG, até 5 MB.", { exact: false }).waitFor();
    await picker.getByLabel("Valor de 1").fill("Carla");

    // Sent without the picture: the field says what is missing.
    await picker.getByRole("button", { name: "Enviar modelo" }).click();
    await header.getByRole("alert").getByText("Escolha o arquivo do cabeçalho").waitFor();
    // A GIF is not what an image header takes, and a picture over 5 MB is too large.
    const gif = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");
    await header.getByTestId("header-file-input").setInputFiles({ name: "cardapio.gif", mimeType: "image/gif", buffer: gif });
    await header.getByRole("alert").getByText("não é uma imagem JPG ou PNG").waitFor();
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=", "base64");
    const big = Buffer.concat([png, Buffer.alloc(5.5 * 1024 * 1024)]);
    await header.getByTestId("header-file-input").setInputFiles({ name: "cardapio-grande.png", mimeType: "image/png", buffer: big });
    await header.getByRole("alert").getByText(/o WhatsApp aceita até 5 MB aqui/).waitFor();

    // The right picture: previewed, sent with the template, shown in the timeline.
    await header.getByTestId("header-file-input").setInputFiles({ name: "cardapio.png", mimeType: "image/png", buffer: png });
    await header.getByTestId("header-file").getByText("cardapio.png").waitFor();
    assert.equal(await header.getByRole("alert").count(), 0);
    await page.getByTestId("template-preview").getByTestId("preview-header-image").waitFor();
    await page.getByTestId("template-preview").getByText("Olá Carla! Este é o cardápio da semana.").waitFor();
    await picker.getByRole("button", { name: "Enviar modelo" }).click();
    await picker.waitFor({ state: "detached" });
    const sent = page.getByTestId("timeline").locator("[data-testid=bubble][data-type=template]").filter({ hasText: "Este é o cardápio da semana" });
    await sent.getByText("Olá Carla! Este é o cardápio da semana.").waitFor();
    const img = sent.locator("img");
    await img.waitFor();
    // The picture is the one attached, served back by the server, and it loaded.
    await page.waitForFunction((el) => el.complete && el.naturalWidth === 1, await img.elementHandle());
    assert.match((await img.getAttribute("src")) ?? "", /^\/api\/v1\/messages\/[^/]+\/media$/);
    await sent.locator("[data-testid=ticks][data-status=read]").waitFor({ timeout: 15_000 });

    // Or by a link WhatsApp fetches: a link that is not one is said next to the field.
    await page.getByTestId("composer").getByRole("button", { name: "Enviar modelo" }).click();
    await picker.getByLabel("Modelo").selectOption({ label: "cardapio_semana (pt_BR)" });
    await header.getByRole("radio", { name: "Usar um link" }).click();
    await header.getByLabel("Link do arquivo").fill("cardapio.png");
    await picker.getByLabel("Valor de 1").fill("Carla");
    await picker.getByRole("button", { name: "Enviar modelo" }).click();
    await header.getByRole("alert").getByText("Cole um link completo, começando com https://").waitFor();
    await header.getByLabel("Link do arquivo").fill("https://confeitaria.example/cardapio.png");
    assert.equal(await header.getByRole("alert").count(), 0);
    await picker.getByRole("button", { name: "Enviar modelo" }).click();
    await picker.waitFor({ state: "detached" });
    const byLink = page.getByTestId("timeline").locator("[data-testid=bubble][data-type=template]").last();
    await byLink.getByTestId("template-header-link").waitFor();
    assert.equal(await byLink.getByTestId("template-header-link").getAttribute("href"), "https://confeitaria.example/cardapio.png");
    await byLink.locator("[data-testid=ticks][data-status=read]").waitFor({ timeout: 15_000 });
  });

  it("shows a desktop notification and a sound for new messages assigned to the agent", async (t) => {
    // A teammate, to assign a conversation to someone else.
    const invite = await api("POST", "/api/v1/invitations", { email: "gabi@confeitaria.example", role: "agent" });
    const token = new URL(invite.url).searchParams.get("token");
    const joined = await fetch(`${server.baseURL}/api/v1/invitations/${encodeURIComponent(token)}/accept`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: server.baseURL },
      body: JSON.stringify({ name: "Gabi Souza", password: "outra-senha-longa-9" }),
    });
    const joinedBody = await joined.text();
    assert.equal(joined.status, 200, joinedBody);
    const gabi = JSON.parse(joinedBody).user;
    const me = await api("GET", "/api/v1/me");

    // Chromium grants the permission to the page's origin; the page's own
    // Notification and WebAudio are wrapped to record what they show and play.
    await context.grantPermissions(["notifications"], { origin: server.baseURL });
    t.after(() => context.clearPermissions());
    const { page } = await openPage(t);
    await page.addInitScript(() => {
      const Real = window.Notification;
      window.__shown = [];
      window.__notifications = [];
      window.Notification = new Proxy(Real, {
        construct(target, args) {
          const n = Reflect.construct(target, args);
          window.__shown.push({ title: args[0], body: args[1]?.body ?? "", tag: args[1]?.tag ?? "" });
          window.__notifications.push(n);
          return n;
        },
        get(target, prop) {
          const v = Reflect.get(target, prop);
          return typeof v === "function" ? v.bind(target) : v;
        },
      });
      window.__tones = [];
      const start = OscillatorNode.prototype.start;
      OscillatorNode.prototype.start = function (...args) {
        window.__tones.push(this.frequency.value);
        return start.apply(this, args);
      };
    });
    const shown = () => page.evaluate(() => window.__shown);
    const tones = () => page.evaluate(() => window.__tones.length);

    await page.goto("/inbox?tab=all");
    assert.equal(await page.evaluate(() => Notification.permission), "granted");
    // Browsers play sound only after the person used the page.
    await page.getByTestId("tab-all").click();

    // A new, unassigned conversation and one assigned to a teammate: no notification, no sound.
    await customerSays(ELIS, "Oi, queria encomendar uma torta.");
    await customerSays(FABIO, "Bom dia! Vocês entregam?");
    const list = page.getByTestId("conversation-row");
    await list.filter({ hasText: ELIS.name }).waitFor({ timeout: 15_000 });
    await list.filter({ hasText: FABIO.name }).waitFor({ timeout: 15_000 });
    const conversations = (await api("GET", "/api/v1/conversations?limit=100")).data;
    const elisConv = conversations.find((c) => c.contact.name === ELIS.name);
    const fabioConv = conversations.find((c) => c.contact.name === FABIO.name);
    await api("PATCH", `/api/v1/conversations/${elisConv.id}`, { assignee_id: me.user?.id ?? me.id });
    await api("PATCH", `/api/v1/conversations/${fabioConv.id}`, { assignee_id: gabi.id });
    await customerSays(FABIO, "Entregam no Batel?");
    await list.filter({ hasText: FABIO.name }).getByTestId("preview").getByText("Entregam no Batel?").waitFor({ timeout: 15_000 });
    assert.deepEqual(await shown(), []);
    assert.equal(await tones(), 0);

    // A message in a conversation assigned to this agent: a notification with the contact and the text, and two tones.
    await customerSays(ELIS, "Pode ser de limão, para sábado?");
    await page.waitForFunction(() => window.__shown.length > 0, null, { timeout: 15_000 });
    await page.waitForTimeout(500); // anything wrongly shown for Fábio would have been too by now
    assert.deepEqual(await shown(), [{ title: ELIS.name, body: "Pode ser de limão, para sábado?", tag: `conversation-${elisConv.id}` }]);
    assert.deepEqual(await page.evaluate(() => window.__tones), [880, 1320]);

    // While the agent looks at that conversation, its messages neither notify nor sound.
    await list.filter({ hasText: ELIS.name }).click();
    await page.waitForURL((u) => u.pathname === `/inbox/${elisConv.id}`);
    await page.getByTestId("timeline").getByText("Pode ser de limão, para sábado?").waitFor();
    await customerSays(ELIS, "Obrigada!");
    await page.getByTestId("timeline").getByText("Obrigada!").waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    assert.equal((await shown()).length, 1);
    assert.equal(await tones(), 2);

    // Clicking the notification opens its conversation.
    await list.filter({ hasText: FABIO.name }).click();
    await page.waitForURL((u) => u.pathname === `/inbox/${fabioConv.id}`);
    await page.getByTestId("timeline").getByText("Entregam no Batel?").waitFor();
    await page.evaluate(() => window.__notifications[0].onclick());
    await page.waitForURL((u) => u.pathname === `/inbox/${elisConv.id}`);
    await page.getByTestId("timeline").getByText("Obrigada!").waitFor();
  });

  it("lets the agent say they are available, and shows it to the team", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/inbox");
    const toggle = page.getByTestId("availability");
    assert.equal(await toggle.getAttribute("data-value"), "offline");
    await toggle.click();
    await page.getByRole("menuitem", { name: /Disponível/ }).click();
    await page.waitForFunction(() => document.querySelector("[data-testid=availability]")?.getAttribute("data-value") === "online");
    await page.goto("/settings/team");
    await page.getByTestId("member-availability").getByText("Disponível").waitFor();
    // Kept by the server: still online after a reload.
    await page.reload();
    assert.equal(await page.getByTestId("availability").getAttribute("data-value"), "online");
  });

  it("resolves with the closing reason the company requires", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/settings/company");
    const reasons = page.getByTestId("closing-reasons").locator("input");
    await reasons.fill("Venda feita");
    await reasons.press("Enter");
    await reasons.fill("Dúvida resolvida");
    await reasons.press("Enter");
    await page.getByLabel("Exigir um motivo para resolver").check();
    await page.getByRole("button", { name: "Salvar" }).click();
    await page.getByText("Alterações salvas.").first().waitFor();

    await page.goto("/inbox?tab=all");
    await page.getByTestId("conversation-row").filter({ hasText: CARLA.name }).click();
    await page.getByTestId("resolve").click();
    const dialog = page.getByRole("dialog", { name: "Resolver a conversa" });
    await dialog.getByText("Sua empresa pede o motivo do encerramento.").waitFor();
    assert.ok(await dialog.getByRole("button", { name: "Resolver" }).isDisabled());
    await dialog.getByLabel("Motivo do encerramento").selectOption("Venda feita");
    await dialog.getByRole("button", { name: "Resolver" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByTestId("conversation").getByTestId("status-badge").getByText("Resolvida").waitFor();
    await page.getByTestId("event-line").filter({ hasText: "Venda feita" }).waitFor({ timeout: 15_000 });
    await page.getByTestId("resolved-help").waitFor();
  });
});
