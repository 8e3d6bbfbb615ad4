"use strict";
// The queue updates itself every two seconds: oldest waiting first, then the chats agents have.
const REASONS = {
  customer_asked: "asked for a person",
  misunderstood: "two misunderstandings",
  complaint: "complaint",
  proactive: "answer to our message",
  low_rating: "low rating",
  identification: "could not identify",
  other_language: "another language",
};

async function refreshQueue() {
  let data;
  try {
    data = await Console.get("/api/queue");
  } catch (error) {
    return;
  }
  if (!data) return;
  const body = document.querySelector("#queue tbody");
  body.replaceChildren(
    ...data.cases.map((c) =>
      Console.el(
        "tr",
        { "data-number": c.number, class: c.status },
        Console.el("td", {}, Console.el("a", { href: `/cases/${encodeURIComponent(c.number)}` }, c.number)),
        Console.el("td", { class: "reason" }, REASONS[c.reason] || c.reason || c.topic),
        Console.el("td", {}, c.customer_name ? `${c.customer_name} (${c.customer_ref})` : "visitor"),
        Console.el("td", {}, c.channel || ""),
        Console.el("td", { class: "waiting" }, Console.minutes(c.waiting_seconds)),
        Console.el("td", {}, c.status === "with_agent" ? `with ${c.taken_by}` : "waiting"),
      ),
    ),
  );
  document.getElementById("queue-empty").hidden = data.cases.length > 0;
  const duty = document.getElementById("on-duty");
  duty.textContent = data.agents_on_duty === null ? "" : `${data.agents_on_duty} agent(s) available`;
}

refreshQueue();
setInterval(refreshQueue, 2000);
