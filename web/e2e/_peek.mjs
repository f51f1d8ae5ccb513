// temporary: look at the inbox while the backend lands (not committed)
import { CHROME_CONTEXT, launchBrowser, startServer, watch } from "./harness.mjs";
const server = await startServer();
const chrome = await launchBrowser();
try {
  const ctx = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL, viewport: { width: 1366, height: 768 } });
  const page = await ctx.newPage();
  const w = watch(page);
  await page.goto("/signup");
  await page.getByLabel("Nome da empresa").fill("Padaria");
  await page.getByLabel("Seu nome").fill("Ana Souza");
  await page.getByLabel("E-mail").fill("ana@padaria.example");
  await page.getByLabel("Senha").fill("senha-bem-longa-1");
  await page.getByRole("button", { name: "Criar conta" }).click();
  await page.waitForURL((u) => u.pathname === "/");
  const csrf = (await ctx.cookies()).find((c) => c.name === "masteria_csrf")?.value ?? "";
  const headers = { "X-CSRF-Token": csrf, "Content-Type": "application/json", Origin: server.baseURL };
  const post = async (path, data) => (await ctx.request.post(path, { headers, data })).json();
  const sim = await post("/api/v1/connections", { type: "simulator", name: "Simulador", config: { delivery_delay_ms: 500 } });
  for (const m of [
    { from: "+5581998761234", name: "Luana Reis", text: "Bom dia! Vocês têm pão sem glúten hoje?" },
    { from: "+5581998761234", name: "Luana Reis", text: "Vou buscar", button_payload: "confirmar" },
    { from: "+5511987650000", name: "Marcos Dias", text: "Qual o horário de domingo?" },
  ]) await post(`/api/v1/connections/${sim.id}/simulate`, m);
  await new Promise((r) => setTimeout(r, 2000));
  const list = await (await ctx.request.get(`/api/v1/conversations`)).json();
  const conv = list.data.find((c) => c.contact.name === "Luana Reis");
  await post(`/api/v1/conversations/${conv.id}/messages`, { type: "text", text: "Temos sim! Separo para você?" });
  await new Promise((r) => setTimeout(r, 2500));
  for (const [name, path, vp] of [
    ["list", "/inbox?tab=all", { width: 1366, height: 768 }],
    ["conv", `/inbox/${conv.id}?tab=all`, { width: 1366, height: 768 }],
    ["conv-phone", `/inbox/${conv.id}?tab=all`, { width: 390, height: 844 }],
    ["list-phone", `/inbox?tab=all`, { width: 390, height: 844 }],
  ]) {
    await page.setViewportSize(vp);
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: `/tmp/inbox-shots/${name}.png` });
  }
  console.log(w.problems.join("\n"));
} finally {
  await chrome.close();
  await server.stop();
}
