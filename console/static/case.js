"use strict";
// One chat: the transcript from Rasa, the customer's profile and the case's notes, refreshed every
// two seconds; the buttons call the JSON API with the session's CSRF token.
const root = document.querySelector(".case");
const number = root.dataset.number;
const api = `/api/cases/${encodeURIComponent(number)}`;
let me = null;

function show(problem) {
  const node = document.getElementById("problem");
  node.textContent = problem || "";
  node.hidden = !problem;
}

function profile(customer, data) {
  if (!customer) return [Console.el("p", {}, "A visitor who did not identify.")];
  const list = (title, items, line) =>
    Console.el("div", {}, Console.el("h3", {}, title),
      items.length ? Console.el("ul", {}, ...items.map((i) => Console.el("li", {}, line(i)))) : Console.el("p", {}, "none"));
  const consents = Object.entries(customer.consents || {})
    .map(([purpose, channels]) => `${purpose}: ${Object.entries(channels).map(([ch, ok]) => `${ch} ${ok ? "yes" : "no"}`).join(", ") || "not asked"}`);
  const prefs = customer.preferences || {};
  return [
    Console.el("p", { id: "customer-name" }, `${customer.name} (${customer.ref})`),
    Console.el("p", {}, `${customer.email || ""} ${customer.phone || ""}`),
    Console.el("p", {}, `${customer.city || ""} ${customer.country}, ${customer.time_zone}, customer since ${customer.since}`),
    list("Orders", data.orders, (o) => `${o.number} ${o.status} ${o.placed}: ${o.items} (${o.total})`),
    list("Devices", data.devices, (d) => `${d.name} ${d.serial}, service ${d.next_service_on || "-"}, warranty to ${d.warranty_ends_on}`),
    list("Open cases", data.open_cases, (c) => `${c.number} ${c.kind}: ${c.topic} (${c.status})`),
    list("Consents", consents, (c) => c),
    Console.el("p", {}, `Prefers ${prefs.preferred_channel}, quiet hours ${prefs.quiet_hours || "none"}, at most ${prefs.max_proactive_per_week} a week`),
  ];
}

async function refresh() {
  let data;
  try {
    data = await Console.get(api);
  } catch (error) {
    show(error.message);
    return;
  }
  if (!data) return;
  const c = data.case;
  document.getElementById("case-status").textContent = c.status === "with_agent" ? `with ${c.taken_by}` : c.status.replace("_", " ");
  document.getElementById("case-meta").textContent =
    `${c.topic} - ${c.channel || "?"} - waiting since ${new Date(c.opened_at).toLocaleString()}` +
    (data.rating ? ` - rated ${data.rating}/5` : "");
  const mine = me && c.status === "with_agent" && c.taken_by === me.email;
  document.getElementById("take").hidden = c.status !== "waiting_agent";
  for (const id of ["reply-form", "hand-back", "close", "transfer", "transfer-to"]) {
    document.getElementById(id).hidden = !mine;
  }
  document.getElementById("transcript").replaceChildren(
    ...data.transcript.map((line) =>
      Console.el("li", { class: line.who },
        Console.el("span", { class: "who" }, line.who === "agent" ? `agent ${line.agent}` : line.who),
        Console.el("span", { class: "text" }, line.text),
        line.buttons.length ? Console.el("span", { class: "buttons" }, `[${line.buttons.join("] [")}]`) : null,
      ),
    ),
  );
  if (data.transcript_error) show(`Transcript unavailable: ${data.transcript_error}`);
  document.getElementById("customer").replaceChildren(...profile(data.customer, data));
  const p = data.proactive;
  document.getElementById("proactive").replaceChildren(
    p ? Console.el("div", {},
          Console.el("p", {}, `${p.context.kind || "message"} sent ${p.at || ""}: ${p.context.message || ""}`),
          p.outbox ? Console.el("p", {}, `outbox ${p.outbox.key}: ${p.outbox.state}, answer ${p.outbox.answer || "none"}`) : null)
      : Console.el("p", {}, "The customer started this chat."),
  );
  document.getElementById("events").replaceChildren(
    ...(data.description ? [Console.el("li", { class: "description" }, data.description)] : []),
    ...data.events.map((e) => Console.el("li", { class: e.kind }, `${e.kind} by ${e.actor}${e.text ? ": " + e.text : ""}`)),
  );
}

async function act(path, body) {
  show("");
  try {
    await Console.post(`${api}/${path}`, body);
  } catch (error) {
    show(error.message);
  }
  await refresh();
}

document.getElementById("take").addEventListener("click", () => act("take"));
document.getElementById("hand-back").addEventListener("click", () => act("hand-back"));
document.getElementById("close").addEventListener("click", () => act("close"));
document.getElementById("transfer").addEventListener("click", () =>
  act("transfer", { to: document.getElementById("transfer-to").value }));
document.getElementById("reply-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("reply");
  if (!input.value.trim()) return;
  const text = input.value;
  input.value = "";
  act("reply", { text });
});
document.getElementById("note-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("note");
  if (!input.value.trim()) return;
  const text = input.value;
  input.value = "";
  act("notes", { text });
});

(async () => {
  me = await Console.get("/api/me");
  await refresh();
  setInterval(refresh, 2000);
})();
